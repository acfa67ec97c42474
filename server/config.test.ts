import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, fastifyTrustProxy, loadConfig } from "./config.js";

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

  it("keeps files on disk beside SQLite and in the database beside PostgreSQL, 100 MB each for 15 days, unless told otherwise", () => {
    expect(loadConfig({}).media).toEqual({
      storage: "disk",
      folder: path.resolve("data", "media"),
      maxFileBytes: 100 * 1024 * 1024,
      linkLifetimeMs: 15 * 24 * 60 * 60_000,
      quotaBytes: 10_240 * 1024 * 1024,
      fetchTimeoutMs: 120_000,
    });
    expect(loadConfig({ DATABASE_URL: "postgres://db/switchboard" }).media.storage).toBe("database");
    const chosen = loadConfig({
      DATABASE_URL: "postgres://db/switchboard",
      MEDIA_STORAGE: "disk",
      MEDIA_MAX_FILE_MB: "0.5",
      MEDIA_LINK_DAYS: "1",
    });
    expect(chosen.media).toMatchObject({ storage: "disk", maxFileBytes: 512 * 1024, linkLifetimeMs: 24 * 60 * 60_000 });
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
    ["MEDIA_STORAGE", { MEDIA_STORAGE: "s3" }],
    ["MEDIA_MAX_FILE_MB", { MEDIA_MAX_FILE_MB: "0" }],
    ["MEDIA_LINK_DAYS", { MEDIA_LINK_DAYS: "forever" }],
    ["MEDIA_LINK_DAYS", { MEDIA_LINK_DAYS: "0.5" }],
    ["MEDIA_QUOTA_MB", { MEDIA_QUOTA_MB: "-1" }],
    ["MEDIA_FETCH_TIMEOUT_SECONDS", { MEDIA_FETCH_TIMEOUT_SECONDS: "0" }],
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

  it("takes TRUST_PROXY as false, a hop count or the proxies' addresses", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "0" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "127.0.0.1, 10.0.0.0/8,::1,fd00::/8,::ffff:192.0.2.1,loopback" }).trustProxy).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
      "fd00::/8",
      "::ffff:192.0.2.1",
      "loopback",
    ]);
  });

  it("turns a hop count into a trust function of the hop, which Fastify needs", () => {
    const trust = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => trust("6.6.6.6", hop))).toEqual([true, true, false]);
    expect(fastifyTrustProxy(false)).toBe(false);
    expect(fastifyTrustProxy(["127.0.0.1"])).toEqual(["127.0.0.1"]);
  });

  it("refuses TRUST_PROXY=true, which would believe every forwarded hop, and says what to give instead", () => {
    const problems = problemsOf({ TRUST_PROXY: "true" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY: .*number of proxies.*\(e\.g\. 1\).*addresses \(e\.g\. 127\.0\.0\.1,10\.0\.0\.0\/8\)/);
  });

  it.each([
    "TRUE",
    "yes",
    "127.0.0.1,",
    "10.0.0.0/33",
    "10.0.0.0/0",
    "::1/129",
    "300.1.1.1",
    "010.0.0.1",
    "fe80::1%eth0",
    "[::1]",
    "11",
    "-1",
    "1.5",
  ])("refuses TRUST_PROXY=%s and names it", (value) => {
    const problems = problemsOf({ TRUST_PROXY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY: /);
  });
});
