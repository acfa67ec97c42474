import path from "node:path";
import { z } from "zod";

/**
 * Every setting comes from the environment, is validated once at start-up and
 * then frozen. `.env.example` documents each variable with its default.
 */
const booleanText = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    HOST: z.string().min(1).default("0.0.0.0"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    PUBLIC_URL: z.string().optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    DATABASE_URL: z.string().optional(),
    SMTP_URL: z
      .string()
      .optional()
      .refine((value) => value === undefined || /^smtps?:\/\/[^/]+/.test(value), {
        message: "must be an smtp:// or smtps:// URL",
      }),
    MAIL_FROM: z
      .string()
      .optional()
      .refine((value) => value === undefined || /^(?:[^<>]*<\s*[^<>@\s]+@[^<>@\s]+\s*>|[^<>@\s]+@[^<>@\s]+)$/.test(value.trim()), {
        message: 'must be an address such as "Switchboard <no-reply@example.com>"',
      }),
    TRUST_PROXY: booleanText.default(false),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    USER_AGREEMENT_FILE: z.string().optional(),
    SECRET_KEY: z
      .string()
      .optional()
      .refine((value) => value === undefined || /^[0-9a-fA-F]{64}$/.test(value), {
        message: "must be 64 hexadecimal characters (32 bytes), e.g. from: openssl rand -hex 32",
      }),
    SANDBOX: booleanText.default(true),
    API_RATE_LIMITS: booleanText.default(true),
  })
  .transform((env, ctx) => {
    const publicUrlText = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
    let publicUrl: URL;
    try {
      publicUrl = new URL(publicUrlText);
    } catch {
      ctx.addIssue({ code: "custom", path: ["PUBLIC_URL"], message: "must be an absolute http:// or https:// URL" });
      return z.NEVER;
    }
    if (!["http:", "https:"].includes(publicUrl.protocol) || publicUrl.pathname !== "/" || publicUrl.search || publicUrl.hash) {
      ctx.addIssue({
        code: "custom",
        path: ["PUBLIC_URL"],
        message: "must be an http:// or https:// origin without a path, such as https://console.example.com",
      });
      return z.NEVER;
    }
    const dataDir = path.resolve(env.DATA_DIR);
    const database = parseDatabaseUrl(env.DATABASE_URL ?? `sqlite:${path.join(dataDir, "switchboard.sqlite")}`);
    if (!database) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "must be postgres://user@host:port/database or sqlite:<file path>",
      });
      return z.NEVER;
    }
    return {
      environment: env.NODE_ENV,
      host: env.HOST,
      port: env.PORT,
      publicUrl: publicUrl.origin,
      isHttps: publicUrl.protocol === "https:",
      dataDir,
      outboxDir: path.join(dataDir, "outbox"),
      database,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM?.trim() ?? `Switchboard <no-reply@${publicUrl.hostname}>`,
      trustProxy: env.TRUST_PROXY,
      logLevel: env.LOG_LEVEL,
      userAgreementFile: env.USER_AGREEMENT_FILE ? path.resolve(env.USER_AGREEMENT_FILE) : undefined,
      /** Encrypts instance tokens at rest; without it a key is generated into the data folder. */
      secretKey: env.SECRET_KEY ? Buffer.from(env.SECRET_KEY, "hex") : undefined,
      secretKeyFile: path.join(dataDir, "secret.key"),
      isSandboxEnabled: env.SANDBOX,
      /** GREEN-API's per-instance, per-method limits (requests a second). */
      hasApiRateLimits: env.API_RATE_LIMITS,
    };
  });

export type DatabaseConfig = { dialect: "sqlite"; file: string } | { dialect: "postgres"; url: string };

function parseDatabaseUrl(url: string): DatabaseConfig | undefined {
  if (/^postgres(ql)?:\/\/.+/.test(url)) return { dialect: "postgres", url };
  const sqlite = /^sqlite:(.+)$/.exec(url);
  if (sqlite?.[1]) {
    const file = sqlite[1] === ":memory:" ? ":memory:" : path.resolve(sqlite[1].replace(/^\/\/(?=\/)/, ""));
    return { dialect: "sqlite", file };
  }
  return undefined;
}

export type Config = Readonly<z.output<typeof environmentSchema>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}
