/**
 * Webhook push survives a crash. The real server runs as a child process and pushes an
 * instance's incoming messages to a slow receiver on loopback; it is killed with SIGKILL while
 * deliveries are under way; after a restart on the same data every notification stored before
 * the kill reaches the receiver, in order, none missing. A notification is repeated only when it
 * was in flight at the kill (unconfirmed), and then with the same webhook-id. SQLite (a file in
 * a temporary DATA_DIR) in the server-sqlite run, a fresh PostgreSQL database in the
 * server-postgres run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConsoleClient, createLinkedInstance, registerThroughConsole } from "../test/console-client.js";
import { startServerProcess, type ServerProcess } from "../test/server-process.js";
import { createPostgresDatabase, testDialect } from "../test/test-database.js";
import { WebhookReceiver } from "../test/webhook-receiver.js";

const MESSAGES = 40;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const receiver = new WebhookReceiver();
const servers = new Set<ServerProcess>();
let dataDir = "";
let database: { url: string; drop(): Promise<void> } | undefined;

afterAll(async () => {
  for (const server of servers) server.child.kill("SIGKILL");
  await receiver.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await database?.drop();
});

async function startServer(): Promise<ServerProcess> {
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url } : {}),
    WEBHOOK_ALLOW_PRIVATE: "127.0.0.1",
  });
  servers.add(server);
  void server.exited.then(() => servers.delete(server));
  return server;
}

async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const textOf = (body: Record<string, unknown>) =>
  (body.messageData as { textMessageData: { textMessage: string } }).textMessageData.textMessage;

describe("webhook push across a crash", () => {
  it("delivers every notification stored before SIGKILL after a restart, in order, repeating only the unconfirmed head", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-webhook-crash-"));
    if (testDialect === "postgres") database = await createPostgresDatabase("webhook_crash");
    const receiverUrl = await receiver.start();
    // A slow receiver: each answer takes 150 ms, so the kill finds deliveries under way.
    receiver.respond = async () => {
      await sleep(150);
      return { status: 200 };
    };

    let server = await startServer();
    const consoleApi = new ConsoleClient(server.url);
    await registerThroughConsole(consoleApi, "webhook-crash");
    const phone = "79004440001";
    const friend = "79004440002";
    const { idInstance, apiTokenInstance } = await createLinkedInstance(consoleApi, "Hook", phone);
    const instance = { idInstance };
    await consoleApi.expect("POST", "/api/sandbox/phones", 200, { number: friend });
    const api = (method: string, init?: RequestInit) =>
      fetch(`${server.url}/waInstance${instance.idInstance}/${method}/${apiTokenInstance}`, init);
    const saved = await api("setSettings", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ webhookUrl: `${receiverUrl}/crash`, incomingWebhook: "yes" }),
    });
    expect(saved.status).toBe(200);
    await waitUntil("authorized", async () => {
      const { instance: shown } = await consoleApi.expect<{ instance: { stateInstance: string } }>(
        "GET",
        `/api/console/instances/${instance.idInstance}`,
        200,
      );
      return shown.stateInstance === "authorized";
    });

    // Each message is stored (and its notification with it) before the phone's request is answered.
    for (let index = 1; index <= MESSAGES; index++) {
      await consoleApi.expect("POST", `/api/sandbox/phones/${friend}/messages`, 200, { chatId: `${phone}@c.us`, text: `message ${index}` });
    }
    await waitUntil("some deliveries", () => receiver.to("/crash").length >= 3);
    server.child.kill("SIGKILL");
    await server.exited;
    const beforeRestart = receiver.to("/crash").length;
    expect(beforeRestart).toBeLessThan(MESSAGES);

    server = await startServer();
    const distinctTexts = () => new Set(receiver.to("/crash").map((request) => textOf(request.body))).size;
    await waitUntil("every message pushed after the restart", () => distinctTexts() === MESSAGES, 60_000);

    const requests = receiver.to("/crash");
    const texts = requests.map((request) => textOf(request.body));
    const firstArrivals = texts.filter((text, i) => texts.indexOf(text) === i);
    expect(firstArrivals).toEqual(Array.from({ length: MESSAGES }, (_, i) => `message ${i + 1}`));
    // A repeat follows its own first request directly (the head again) and carries the same webhook-id.
    for (let i = 1; i < requests.length; i++) {
      if (texts.indexOf(texts[i]!) === i) continue;
      expect(texts[i]).toBe(texts[i - 1]);
      expect(requests[i]!.headers["webhook-id"]).toBe(requests[i - 1]!.headers["webhook-id"]);
    }
    expect(new Set(requests.map((request) => request.headers["webhook-id"])).size).toBe(MESSAGES);
    expect(requests.length - MESSAGES).toBeLessThanOrEqual(1);
    await server.stop();
  }, 120_000);
});
