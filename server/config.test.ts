import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration", () => {
  it("runs on embedded defaults: port 3000, SQLite under ./data, mail to the outbox", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.database).toEqual({ dialect: "sqlite", file: path.resolve("data", "switchboard.sqlite") });
    expect(config.smtpUrl).toBeUndefined();
    expect(config.outboxDir).toBe(path.resolve("data", "outbox"));
    expect(config.mailFrom).toBe("Switchboard <no-reply@localhost>");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("derives PUBLIC_URL from PORT and takes PostgreSQL from DATABASE_URL", () => {
    const config = loadConfig({ PORT: "8080", DATABASE_URL: "postgres://switchboard@db:5432/switchboard" });
    expect(config.publicUrl).toBe("http://localhost:8080");
    expect(config.database).toEqual({ dialect: "postgres", url: "postgres://switchboard@db:5432/switchboard" });
  });

  it("knows https from PUBLIC_URL", () => {
    expect(loadConfig({ PUBLIC_URL: "https://console.example.com/" }).isHttps).toBe(true);
  });

  it.each([
    ["PORT", { PORT: "eighty" }],
    ["PORT", { PORT: "70000" }],
    ["PUBLIC_URL", { PUBLIC_URL: "console.example.com" }],
    ["PUBLIC_URL", { PUBLIC_URL: "ftp://console.example.com" }],
    ["PUBLIC_URL", { PUBLIC_URL: "https://example.com/console" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://localhost/db" }],
    ["SMTP_URL", { SMTP_URL: "http://mail.example.com" }],
    ["MAIL_FROM", { MAIL_FROM: "nobody" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["TRUST_PROXY", { TRUST_PROXY: "maybe" }],
    ["SECRET_KEY", { SECRET_KEY: "too-short" }],
    ["SANDBOX", { SANDBOX: "perhaps" }],
    ["API_RATE_LIMITS", { API_RATE_LIMITS: "sometimes" }],
  ])("stops start-up on a wrong %s and names it", (variable, env) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it("names every wrong variable at once", () => {
    const problems = problemsOf({ PORT: "x", SMTP_URL: "mail", LOG_LEVEL: "loud" });
    expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual(["LOG_LEVEL", "PORT", "SMTP_URL"]);
  });

  it("takes the token key from SECRET_KEY, else from a file in the data folder; sandbox and rate limits are on by default", () => {
    const key = "ab".repeat(32);
    expect(loadConfig({ SECRET_KEY: key }).secretKey?.toString("hex")).toBe(key);
    const defaults = loadConfig({});
    expect(defaults.secretKey).toBeUndefined();
    expect(defaults.secretKeyFile).toBe(path.resolve("data", "secret.key"));
    expect(defaults.isSandboxEnabled).toBe(true);
    expect(defaults.hasApiRateLimits).toBe(true);
  });

  it("accepts SMTP credentials and smtps", () => {
    expect(loadConfig({ SMTP_URL: "smtps://user:secret@smtp.example.com:465" }).smtpUrl).toBe("smtps://user:secret@smtp.example.com:465");
  });
});
