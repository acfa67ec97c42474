import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { LookupFunction } from "node:net";
import { buildApp } from "../app.js";
import { loggerOptions } from "../logging.js";
import { loadConfig, type Config } from "../config.js";
import { SmtpCapture } from "./smtp-capture.js";
import { TestClock } from "./test-clock.js";
import { createTestDatabase, testDialect, type TestDatabase } from "./test-database.js";
import type { RegistrationRequest } from "../../shared/accounts.schemas.js";

export const TEST_PUBLIC_URL = "http://console.switchboard.test";

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  clock: TestClock;
  smtp: SmtpCapture;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real app, in-process, on a fresh database, sending mail to a real SMTP server on loopback. */
export async function buildTestApp(
  environment: Record<string, string> = {},
  options: { logLines?: string[]; sqliteInFile?: boolean; lookup?: LookupFunction } = {},
): Promise<TestApp> {
  const smtp = new SmtpCapture();
  const smtpUrl = await smtp.start();
  const database = await createTestDatabase({ sqliteInFile: options.sqliteInFile ?? false });
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: TEST_PUBLIC_URL,
    SMTP_URL: smtpUrl,
    MAIL_FROM: "Switchboard <no-reply@switchboard.test>",
    DATA_DIR: "./data/test",
    // Tests call 1-a-second methods many times a second; the limiter has tests of its own.
    API_RATE_LIMITS: "false",
    // As a server on each database keeps files by default: on its disk beside SQLite, in PostgreSQL.
    MEDIA_STORAGE: testDialect === "postgres" ? "database" : "disk",
    ...environment,
  });
  const clock = new TestClock();
  const logLines = options.logLines;
  // With logLines, every log line is kept (at the most verbose level) for tests that inspect them.
  const logger = logLines
    ? { ...(loggerOptions("trace") as object), stream: { write: (line: string) => void logLines.push(line) } }
    : false;
  const app = await buildApp({
    config: { ...config, database: database.config },
    db: database.db,
    clock,
    logger,
    webDir: "/nonexistent",
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  await app.ready();
  return {
    app,
    config,
    clock,
    smtp,
    database,
    async close() {
      await app.close();
      await database.destroy();
      await smtp.stop();
    },
  };
}

let nextAddress = 1;
/** Each simulated person gets their own client address, so per-IP limits stay out of the way. */
export function uniqueIp(): string {
  const n = nextAddress++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

let nextEmail = 1;
export function uniqueEmail(): string {
  return `person${nextEmail++}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export interface Client {
  ip: string;
  cookie: string | undefined;
  request(
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
}

/** A browser-like client: keeps its session cookie and sends the console's Origin. */
export function createClient(app: FastifyInstance, cookieName = "switchboard_session", origin = TEST_PUBLIC_URL): Client {
  const client: Client = {
    ip: uniqueIp(),
    cookie: undefined,
    async request(method, url, body, headers = {}) {
      const response = await app.inject({
        method,
        url,
        remoteAddress: client.ip,
        headers: {
          origin,
          "user-agent": "SwitchboardTest/1.0",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...(client.cookie ? { cookie: `${cookieName}=${client.cookie}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
      });
      const set = response.cookies.find((cookie) => cookie.name === cookieName);
      if (set) client.cookie = set.value === "" || set.maxAge === 0 ? undefined : set.value;
      return response;
    },
    post: (url, body) => client.request("POST", url, body),
    get: (url) => client.request("GET", url),
  };
  return client;
}

export const STRONG_PASSWORD = "violet-lantern-82-orbit";

export function registrationBody(overrides: Partial<RegistrationRequest> = {}): RegistrationRequest {
  return {
    email: uniqueEmail(),
    password: STRONG_PASSWORD,
    passwordRepeat: STRONG_PASSWORD,
    country: "DE",
    agreementAccepted: true,
    language: "en",
    ...overrides,
  } as RegistrationRequest;
}

/** Registers through the API and returns the signed-in client and its email. */
export async function registerPerson(app: FastifyInstance, overrides: Partial<RegistrationRequest> = {}) {
  const client = createClient(app);
  const body = registrationBody(overrides);
  const response = await client.post("/api/console/registration", body);
  if (response.statusCode !== 201) throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
  return { client, email: body.email.trim().toLowerCase(), password: body.password };
}
