/**
 * Webhook push as GREEN-API's users receive it: the official JavaScript client's own
 * `webhookAPI` helper mounted on a small web server (Fastify here, where its README shows
 * Express: the helper only needs `post(path, handler)`, `req.body` and `res.send()`), and the
 * client's `restAPI` pointed at this server listening on a real port, in real time. A message
 * sent between two sandbox instances reaches the receiver's onIncomingMessageText callback.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import whatsAppClient from "@green-api/whatsapp-api-client";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { loadConfig } from "../config.js";
import { ConsoleClient, createLinkedInstance, registerThroughConsole } from "../test/console-client.js";
import { freePort } from "../test/server-process.js";
import { createTestDatabase, type TestDatabase } from "../test/test-database.js";

type Api = ReturnType<typeof whatsAppClient.restAPI>;

/** The helper ships in the client's bundle but not in its type declarations: the part used here. */
interface WebhookHelper {
  onIncomingMessageText(
    callback: (data: unknown, idInstance: number, idMessage: string, sender: string, typeMessage: string, textMessage: string) => void,
  ): void;
  onStateInstance(callback: (data: { stateInstance: string }) => void): void;
}
const { webhookAPI } = whatsAppClient as unknown as { webhookAPI: (server: FastifyInstance, routePath: string) => WebhookHelper };

const PHONE_A = "79001120001";
const PHONE_B = "79001120002";
const WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let database: TestDatabase;
let app: FastifyInstance;
let receiver: FastifyInstance;
let dataDir: string;
let apiA: Api;
let apiB: Api;
let idB: number;
let tokenB: string;
let origin: string;
const incomingTexts: Array<{ idInstance: number; idMessage: string; sender: string; textMessage: string }> = [];
const states: string[] = [];

beforeAll(async () => {
  // The receiver: the SDK's helper on a web server of its own, as its README shows.
  receiver = Fastify();
  const webhooks = webhookAPI(receiver, "/webhooks");
  webhooks.onIncomingMessageText((_data, idInstance, idMessage, sender, _typeMessage, textMessage) => {
    incomingTexts.push({ idInstance, idMessage, sender, textMessage });
  });
  webhooks.onStateInstance((data) => states.push(data.stateInstance));
  const receiverPort = await freePort();
  await receiver.listen({ port: receiverPort, host: "127.0.0.1" });

  dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-sdk-webhooks-"));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  database = await createTestDatabase();
  // The receiver is on loopback: the operator allows that one address.
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: origin,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    WEBHOOK_ALLOW_PRIVATE: "127.0.0.1",
  });
  app = await buildApp({ config: { ...config, database: database.config }, db: database.db, logger: false, webDir: "/nonexistent" });
  await app.listen({ port, host: "127.0.0.1" });

  const consoleApi = new ConsoleClient(origin);
  await registerThroughConsole(consoleApi, "sdk-webhooks");
  const linkInstance = (name: string, phone: string) => createLinkedInstance(consoleApi, name, phone);
  const a = await linkInstance("Webhook A", PHONE_A);
  const b = await linkInstance("Webhook B", PHONE_B);
  idB = b.idInstance;
  tokenB = b.apiTokenInstance;
  apiA = whatsAppClient.restAPI({ host: origin, media: origin, idInstance: String(a.idInstance), apiTokenInstance: a.apiTokenInstance });
  apiB = whatsAppClient.restAPI({ host: origin, media: origin, idInstance: String(b.idInstance), apiTokenInstance: b.apiTokenInstance });
  // B receives by webhook: the URL and the switches through the SDK, as its users set them.
  expect(
    await apiB.settings.setSettings({
      webhookUrl: `http://127.0.0.1:${receiverPort}/webhooks`,
      incomingWebhook: "yes",
      stateWebhook: "yes",
    }),
  ).toEqual({ saveSettings: true });
}, 30_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await database?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms (states seen: ${states.join(", ")})`);
    await sleep(100);
  }
}

describe("the official client's webhookAPI helper as the receiver", () => {
  it("hears the instance become authorized, then a text sent to it", async () => {
    await waitFor("authorized state", () => (states.includes("authorized") ? true : undefined));
    expect(states.at(-1)).toBe("authorized");

    const sent = await apiA.message.sendMessage(`${PHONE_B}@c.us`, null, "hello by webhook");
    const received = await waitFor("incoming text", () => incomingTexts.find((text) => text.idMessage === sent.idMessage));
    expect(received).toEqual({ idInstance: idB, idMessage: sent.idMessage, sender: `${PHONE_A}@c.us`, textMessage: "hello by webhook" });
    // Pushed and confirmed: nothing waits in B's queue.
    const count = await fetch(`${origin}/waInstance${idB}/getWebhooksCount/${tokenB}`);
    expect(await count.json()).toEqual({ count: 0 });
  }, 60_000);
});
