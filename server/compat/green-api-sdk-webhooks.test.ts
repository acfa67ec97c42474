/**
 * Webhook push as GREEN-API's users receive it: the official JavaScript client's own
 * `webhookAPI` helper mounted on a small web server (Fastify here, where its README shows
 * Express: the helper only needs `post(path, handler)`, `req.body` and `res.send()`), and the
 * client's `restAPI` pointed at this server listening on a real port, in real time. A message
 * sent between two sandbox instances reaches the receiver's onIncomingMessageText callback.
 */
import whatsAppClient from "@green-api/whatsapp-api-client";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../test/server-process.js";
import { SDK_WAIT_MS as WAIT_MS, startSdkServer, type SdkApi as Api, type SdkServer } from "../test/sdk-server.js";

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
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let server: SdkServer;
let receiver: FastifyInstance;
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

  // The receiver is on loopback: the operator allows that one address.
  server = await startSdkServer("sdk-webhooks", [PHONE_A, PHONE_B], { WEBHOOK_ALLOW_PRIVATE: "127.0.0.1" });
  ({ origin } = server);
  apiA = server.a.api;
  ({ api: apiB, idInstance: idB, apiTokenInstance: tokenB } = server.b);
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
  await server?.close();
  await receiver?.close();
});

async function waitFor<T>(what: string, find: () => T | undefined | Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms (states seen: ${states.join(", ")})`);
    await sleep(everyMs);
  }
}

describe("the official client's webhookAPI helper as the receiver", () => {
  it("hears the instance become authorized, then a text sent to it", async () => {
    await waitFor("authorized state", () => (states.includes("authorized") ? true : undefined));
    expect(states.at(-1)).toBe("authorized");

    const sent = await apiA.message.sendMessage(`${PHONE_B}@c.us`, null, "hello by webhook");
    const received = await waitFor("incoming text", () => incomingTexts.find((text) => text.idMessage === sent.idMessage));
    expect(received).toEqual({ idInstance: idB, idMessage: sent.idMessage, sender: `${PHONE_A}@c.us`, textMessage: "hello by webhook" });
    // Pushed and confirmed: B's queue empties once the receiver's answer is recorded, which follows
    // the callback by a moment. getWebhooksCount allows one call a second.
    const queued = async () =>
      ((await (await fetch(`${origin}/waInstance${idB}/getWebhooksCount/${tokenB}`)).json()) as { count: number }).count;
    expect(await waitFor("an empty queue", async () => ((await queued()) === 0 ? 0 : undefined), 1_100)).toBe(0);
  }, 60_000);
});
