import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseOutboundAllowList } from "./security/outbound-guard.js";
import { z } from "zod";

/**
 * Every setting comes from the environment, is validated once at start-up and
 * then frozen. `.env.example` documents each variable with its default.
 */
const booleanText = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

/** Whose X-Forwarded-For to believe: nobody, the given number of proxies in front, or these addresses (ADR 0007). */
export type ProxyTrust = false | number | readonly string[];

/** More proxies than this in one chain is a mistake, and would come close to trusting every hop. */
const MAX_PROXY_HOPS = 10;
/** Named ranges that Fastify's address matching understands. */
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  // Zone ids (fe80::1%eth0) are not understood by the address matching.
  const kind = address.includes("%") ? 0 : isIP(address);
  if (kind === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (kind === 4 ? 32 : 128);
}

const proxyTrustText = z.string().transform((text, ctx): ProxyTrust => {
  const value = text.trim().toLowerCase();
  if (value === "false" || value === "0") return false;
  if (value === "true") {
    ctx.addIssue({
      code: "custom",
      message:
        "true would believe every X-Forwarded-For hop, which any client can forge; give the number of proxies in front " +
        "of Switchboard (e.g. 1) or their addresses (e.g. 127.0.0.1,10.0.0.0/8)",
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops === 0) return false;
    if (hops <= MAX_PROXY_HOPS) return hops;
    ctx.addIssue({ code: "custom", message: `a hop count must be 1 to ${MAX_PROXY_HOPS}; give the proxies' addresses instead` });
    return z.NEVER;
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const wrong = entries.find((entry) => !isProxyAddress(entry));
  if (wrong !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `"${wrong}" is not an IPv4/IPv6 address or CIDR range; give false, a hop count, or addresses such as 127.0.0.1,10.0.0.0/8`,
    });
    return z.NEVER;
  }
  return entries;
});

/** Fastify's trustProxy for a setting. Fastify ignores a bare hop count, so the count becomes a function of the hop. */
export function fastifyTrustProxy(trust: ProxyTrust): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return [...trust];
}

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
    TRUST_PROXY: proxyTrustText.default(false),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    USER_AGREEMENT_FILE: z.string().optional(),
    SECRET_KEY: z
      .string()
      .optional()
      .refine((value) => value === undefined || /^[0-9a-fA-F]{64}$/.test(value), {
        message: "must be 64 hexadecimal characters (32 bytes), e.g. from: openssl rand -hex 32",
      }),
    SANDBOX: booleanText.default(true),
    MAX_INSTANCES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(100),
    MAX_SANDBOX_PHONES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(50),
    /** This process's name among the nodes that share a PostgreSQL database (logs, leases). */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, "must be 1 to 100 letters, digits, dots, dashes, underscores or colons")
      .optional(),
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
    API_RATE_LIMITS: booleanText.default(true),
    REDIS_URL: z
      .string()
      .optional()
      .refine((value) => value === undefined || (URL.canParse(value) && /^rediss?:\/\/[^/]/.test(value)), {
        message: "must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379",
      }),
    /** Private targets webhooks may reach: "true", or addresses and CIDRs (local setups and tests). */
    WEBHOOK_ALLOW_PRIVATE: z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseOutboundAllowList(value);
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `${(error as Error).message}; use "true", "false" or a list such as 10.0.0.0/8,fd00::/8`,
          });
          return z.NEVER;
        }
      }),
    WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(180).default(30),
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
    /** Where file bytes live: "disk" (DATA_DIR/media, one node) or "database" (shared by every node). */
    MEDIA_STORAGE: z.enum(["disk", "database"]).optional(),
    MEDIA_MAX_FILE_MB: z.coerce.number().positive().max(4096).default(100),
    // At least a day: a queued file send waits up to 24 hours, and its file must outlive it.
    MEDIA_LINK_DAYS: z.coerce.number().min(1).max(3650).default(15),
    MEDIA_QUOTA_MB: z.coerce.number().positive().max(1e9).default(10_240),
    MEDIA_FETCH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
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
      nodeId: env.NODE_ID ?? `${os.hostname().slice(0, 60)}-${process.pid}-${randomBytes(3).toString("hex")}`,
      maxInstancesPerAccount: env.MAX_INSTANCES_PER_ACCOUNT,
      maxSandboxPhonesPerAccount: env.MAX_SANDBOX_PHONES_PER_ACCOUNT,
      /** Audit events older than this are removed by housekeeping. */
      auditRetentionMs: env.AUDIT_RETENTION_DAYS * 24 * 60 * 60_000,
      /** GREEN-API's per-instance, per-method limits (requests a second). */
      hasApiRateLimits: env.API_RATE_LIMITS,
      /** Shares those limits between nodes; without it each process counts alone. */
      redisUrl: env.REDIS_URL,
      /** Which addresses outbound requests (webhooks) may reach: public ones, and what the operator allows. */
      outboundPolicy: env.WEBHOOK_ALLOW_PRIVATE,
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
      /** Webhook requests in flight at once on this node, across all instances. */
      webhookConcurrency: env.WEBHOOK_CONCURRENCY,
      media: {
        // One node keeps files on its disk; several nodes share PostgreSQL, so their files go there too.
        storage: env.MEDIA_STORAGE ?? (database?.dialect === "postgres" ? "database" : "disk"),
        folder: path.join(dataDir, "media"),
        maxFileBytes: Math.floor(env.MEDIA_MAX_FILE_MB * MEGABYTE),
        /** How long a file and its links live: uploads, sent and received files alike. */
        linkLifetimeMs: Math.floor(env.MEDIA_LINK_DAYS * 24 * 60 * 60_000),
        /** The bytes one account's files may take together. */
        quotaBytes: Math.floor(env.MEDIA_QUOTA_MB * MEGABYTE),
        fetchTimeoutMs: env.MEDIA_FETCH_TIMEOUT_SECONDS * 1000,
      } as const,
    };
  });

const MEGABYTE = 1024 * 1024;

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

/** For the process entries: the configuration, or the problems on stderr and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
