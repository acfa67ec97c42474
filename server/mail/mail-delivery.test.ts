import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { buildApp } from "../app.js";
import { loadConfig } from "../config.js";
import { createClient, registerPerson, TEST_PUBLIC_URL } from "../test/build-test-app.js";
import { SmtpCapture, temporaryPasswordIn } from "../test/smtp-capture.js";
import { TestClock } from "../test/test-clock.js";
import { createTestDatabase, type TestDatabase } from "../test/test-database.js";

let database: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-mail-"));
});
afterAll(async () => {
  await database.destroy();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** A loopback port on which nothing listens: a real connection refusal. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startApp(environment: Record<string, string>, logLines: string[] = [], clock = new TestClock()) {
  const config = loadConfig({ PUBLIC_URL: TEST_PUBLIC_URL, DATA_DIR: dataDir, ...environment });
  const app = await buildApp({
    config,
    db: database.db,
    clock,
    logger: { level: "info", stream: { write: (line: string) => void logLines.push(line) } },
    webDir: "/nonexistent",
  });
  await app.ready();
  return app;
}

describe("mail delivery", () => {
  it("without SMTP_URL writes each mail as a multipart .eml file in the outbox and logs the file, not the secret", async () => {
    const logLines: string[] = [];
    const app = await startApp({}, logLines);
    try {
      const { email } = await registerPerson(app);
      await createClient(app).post("/api/console/password-reset", { email });
      await app.mailQueue.whenIdle();
      const outbox = path.join(dataDir, "outbox");
      const files = (await fs.readdir(outbox)).filter((file) => file.endsWith(".eml"));
      expect(files).toHaveLength(1);
      const parsed = await simpleParser(await fs.readFile(path.join(outbox, files[0]!)));
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : "").toBe(email);
      expect(parsed.text).toBeTruthy();
      expect(parsed.html).toBeTruthy();
      const temporary = temporaryPasswordIn({
        to: [email],
        subject: parsed.subject ?? "",
        text: parsed.text ?? "",
        html: String(parsed.html),
        parsed,
      });
      const logText = logLines.join("\n");
      expect(logText).toContain(files[0]!);
      expect(logText).not.toContain(temporary);
    } finally {
      await app.close();
    }
  });

  it("keeps a promised mail through an SMTP outage and a restart, then delivers it", async () => {
    const clock = new TestClock();
    const down = await startApp({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` }, [], clock);
    const { email } = await registerPerson(down);
    const response = await createClient(down).post("/api/console/password-reset", { email });
    expect(response.statusCode).toBe(202);
    await down.mailQueue.whenIdle();
    const pending = await database.db.selectFrom("job").selectAll().where("kind", "like", "mail.%").execute();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.attempts).toBe(1);
    // The job holds the address, never a temporary password.
    expect(pending[0]!.payload).toContain(email);
    await down.close();

    const smtp = new SmtpCapture();
    const smtpUrl = await smtp.start();
    clock.advance(60_000);
    const restarted = await startApp({ SMTP_URL: smtpUrl }, [], clock);
    try {
      const mail = await smtp.waitForMail(email);
      const temporary = temporaryPasswordIn(mail);
      const login = await createClient(restarted).post("/api/console/login", { email, password: temporary });
      expect(login.statusCode).toBe(200);
      await restarted.mailQueue.whenIdle();
      expect(await database.db.selectFrom("job").selectAll().where("kind", "like", "mail.%").execute()).toHaveLength(0);
    } finally {
      await restarted.close();
      await smtp.stop();
    }
  });

  it("gives a mail up after a day of failures: its job is kept as dead, and the log says so without the address", async () => {
    const clock = new TestClock();
    const logLines: string[] = [];
    const app = await startApp({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` }, logLines, clock);
    try {
      const { email } = await registerPerson(app);
      await createClient(app).post("/api/console/password-reset", { email });
      await app.mailQueue.whenIdle();
      const mailJob = () => database.db.selectFrom("job").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
      expect(await mailJob()).toMatchObject({ kind: "mail.temporary_password", state: "pending", attempts: 1 });
      clock.advance(24 * 60 * 60_000 + 1);
      await app.mailQueue.whenIdle();
      expect(await mailJob()).toMatchObject({ state: "dead", attempts: 2 });
      const givenUp = logLines.filter((line) => line.includes("dead until requeued"));
      expect(givenUp).toHaveLength(1);
      expect(givenUp[0]).toContain("mail.temporary_password");
      expect(givenUp[0]).not.toContain(email);
    } finally {
      await app.close();
    }
  });
});
