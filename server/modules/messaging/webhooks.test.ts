import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import dns from "node:dns";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createLinkedTestInstance, createInstance, flushSends, settle, type TestInstance } from "../../test/instances.js";
import { WebhookReceiver, type ReceivedWebhook } from "../../test/webhook-receiver.js";
import { WEBHOOK_EXPIRY_MS } from "./webhook-delivery.js";

let harness: TestApp;
let client: Client;
const receiver = new WebhookReceiver();
let receiverUrl = "";
let phoneCounter = 0;
const nextPhone = () => `7900${String(3_000_000 + phoneCounter++).padStart(7, "0")}`;
let pathCounter = 0;

beforeAll(async () => {
  receiverUrl = await receiver.start();
  // The receiver listens on loopback: the operator allows exactly that address.
  harness = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE: "127.0.0.1/32" });
});
let credentials = { email: "", password: "" };
// Tests move the clock by days: each signs in afresh.
beforeEach(async () => {
  let email: string;
  let password: string;
  ({ client, email, password } = await registerPerson(harness.app));
  credentials = { email, password };
});

/** After the clock moved past the session's lifetime: the same person signs in again. */
async function signInAgain(): Promise<void> {
  const signedIn = await client.post("/api/console/login", { ...credentials, rememberMe: true });
  expect(signedIn.statusCode).toBe(200);
}
afterAll(async () => {
  await harness.close();
  await receiver.stop();
});

/** An authorized instance linked to a new sandbox phone, its queue empty, every notification switched on. */
function linkedInstance(): Promise<TestInstance & { phone: string }> {
  return createLinkedTestInstance(harness, client, nextPhone());
}

/** Points the instance at a path of its own on the receiver; answers that path. */
async function pushTo(instance: TestInstance, extra: Record<string, unknown> = {}): Promise<string> {
  const path = `/hook-${pathCounter++}`;
  const saved = await callApi(harness.app, instance, "POST", "setSettings", { body: { webhookUrl: `${receiverUrl}${path}`, ...extra } });
  expect(saved.statusCode).toBe(200);
  return path;
}

const send = (instance: TestInstance, method: string, body: unknown) => callApi(harness.app, instance, "POST", method, { body });
const deliver = () => harness.app.webhooks.deliverDue();
const overview = async (instance: TestInstance) => (await client.get(`/api/console/instances/${instance.idInstance}/webhooks`)).json();
const signingSecret = async (instance: TestInstance) =>
  (await client.get(`/api/console/instances/${instance.idInstance}/webhooks/secret`)).json().signingSecret as string;
const ids = (requests: ReceivedWebhook[]) => requests.map((request) => request.headers["webhook-id"]);

describe("webhook push", () => {
  it("posts each notification exactly as receiveNotification returns it, with Authorization and signed Standard Webhooks headers", async () => {
    const alice = await linkedInstance();
    const bob = await linkedInstance();
    await send(alice, "sendMessage", { chatId: `${bob.phone}@c.us`, message: "Hello Bob" });
    await flushSends(harness);
    // Read through the polling API first: this is the body the push must carry, byte for byte.
    const polled = await callApi(harness.app, bob, "GET", "receiveNotification");
    const expectedText = JSON.stringify(polled.json().body);

    const path = await pushTo(bob, { webhookUrlToken: "token-of-bob" });
    await deliver();
    const [first] = receiver.to(path);
    expect(first!.bodyText).toBe(expectedText);
    expect(first!.body).toMatchObject({
      typeWebhook: "incomingMessageReceived",
      messageData: { textMessageData: { textMessage: "Hello Bob" } },
    });
    expect(first!.headers["content-type"]).toBe("application/json");
    expect(first!.headers.authorization).toBe("Bearer token-of-bob");
    expect(first!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Number(first!.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -2);
    // The reference library verifies the signature with the secret the console shows.
    const verified = new Webhook(await signingSecret(bob)).verify(first!.bodyText, {
      "webhook-id": String(first!.headers["webhook-id"]),
      "webhook-timestamp": String(first!.headers["webhook-timestamp"]),
      "webhook-signature": String(first!.headers["webhook-signature"]),
    });
    expect(verified).toEqual(first!.body);
    // Saving the settings restarted the instance: its state changes follow, in order; the queue is empty after.
    await settle(harness);
    await deliver();
    expect(receiver.to(path).map((request) => request.body.typeWebhook)).toEqual([
      "incomingMessageReceived",
      "stateInstanceChanged",
      "stateInstanceChanged",
    ]);
    expect((await callApi(harness.app, bob, "GET", "getWebhooksCount")).json()).toEqual({ count: 0 });
  });

  it("carries every enabled notification type, and nothing a switch turned off", async () => {
    const alice = await linkedInstance();
    const bob = await linkedInstance();
    const alicePath = await pushTo(alice);
    const bobPath = await pushTo(bob, { outgoingWebhook: "no" });
    await settle(harness);
    await send(alice, "sendMessage", { chatId: `${bob.phone}@c.us`, message: "ping" });
    await flushSends(harness);
    await send(bob, "sendMessage", { chatId: `${alice.phone}@c.us`, message: "pong" });
    await flushSends(harness);
    await send(bob, "readChat", { chatId: `${alice.phone}@c.us` });
    await deliver();
    const typesOf = (path: string) =>
      receiver.to(path).map((request) => String(request.body.typeWebhook) + (request.body.status ? `:${String(request.body.status)}` : ""));
    expect(typesOf(alicePath)).toEqual([
      "stateInstanceChanged",
      "stateInstanceChanged",
      "outgoingAPIMessageReceived",
      "outgoingMessageStatus:sent",
      "outgoingMessageStatus:delivered",
      "incomingMessageReceived",
      "outgoingMessageStatus:read",
    ]);
    // Bob turned outgoingWebhook off: no statuses of his own messages.
    expect(typesOf(bobPath)).toEqual([
      "stateInstanceChanged",
      "stateInstanceChanged",
      "incomingMessageReceived",
      "outgoingAPIMessageReceived",
    ]);
    // No token set: no Authorization header.
    expect(receiver.to(alicePath).every((request) => request.headers.authorization === undefined)).toBe(true);
  });

  it("retries the head while the receiver fails, backing off, and delivers everything in order once it answers", async () => {
    const alice = await linkedInstance();
    const bob = await linkedInstance();
    const path = await pushTo(alice);
    await settle(harness);
    for (const text of ["one", "two", "three"]) await send(alice, "sendMessage", { chatId: `${bob.phone}@c.us`, message: text });
    await flushSends(harness, 3);
    const failingUntil = harness.clock.now() + 60_000;
    receiver.respond = (request) => ({ status: request.path === path && harness.clock.now() < failingUntil ? 500 : 200 });
    try {
      await deliver();
      expect(receiver.to(path)).toHaveLength(1);
      // Not due yet: a pass right away sends nothing.
      await deliver();
      expect(receiver.to(path)).toHaveLength(1);
      const status = (await overview(alice)).status;
      expect(status).toMatchObject({ kind: "retrying", attempts: 1 });
      expect(status.nextAttemptAt - harness.clock.now()).toBeGreaterThanOrEqual(4_000);
      expect(status.nextAttemptAt - harness.clock.now()).toBeLessThanOrEqual(6_000);
      // Four minutes: after the failing one, the next retry comes within 60 s ± a fifth.
      for (let second = 0; second < 240; second++) {
        harness.clock.advance(1_000);
        await deliver();
      }
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
    const requests = receiver.to(path);
    const sequence = ids(requests);
    // The head is retried until confirmed, and only then does the next one go: each id's requests stand together.
    const runs = sequence.filter((id, i) => i === 0 || id !== sequence[i - 1]);
    expect(new Set(runs).size).toBe(runs.length);
    // 5 s, 15 s, 30 s, then every 60 s: four or five attempts of the first head in the failing minute.
    expect(sequence.filter((id) => id === sequence[0]).length).toBeGreaterThanOrEqual(4);
    const texts = requests
      .filter((request, i) => request.body.typeWebhook === "outgoingAPIMessageReceived" && sequence.indexOf(sequence[i]) === i)
      .map((request) => (request.body.messageData as { textMessageData: { textMessage: string } }).textMessageData.textMessage);
    expect(texts).toEqual(["one", "two", "three"]);
    expect((await callApi(harness.app, alice, "GET", "getWebhooksCount")).json()).toEqual({ count: 0 });
    expect((await overview(alice)).status).toEqual({ kind: "delivering" });
    const attempts = (await overview(alice)).attempts as Array<{ outcome: string; statusCode: number }>;
    expect(attempts.some((attempt) => attempt.outcome === "failed" && attempt.statusCode === 500)).toBe(true);
    expect(attempts[0]).toMatchObject({ outcome: "delivered", statusCode: 200 });
  });

  it("waits as long as Retry-After asks", async () => {
    const alice = await linkedInstance();
    const path = await pushTo(alice);
    receiver.respond = (request) => (request.path === path ? { status: 429, headers: { "retry-after": "120" } } : { status: 200 });
    try {
      await deliver();
      expect(receiver.to(path)).toHaveLength(1);
      harness.clock.advance(100_000);
      await deliver();
      expect(receiver.to(path)).toHaveLength(1);
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
    harness.clock.advance(25_000);
    await deliver();
    expect(receiver.to(path).length).toBeGreaterThan(1);
  });

  it("pauses on 410 Gone until the person resumes, then goes on with the same head", async () => {
    const alice = await linkedInstance();
    const path = await pushTo(alice);
    receiver.respond = (request) => ({ status: request.path === path ? 410 : 200 });
    await deliver();
    receiver.respond = () => ({ status: 200 });
    expect((await overview(alice)).status).toMatchObject({ kind: "paused", reason: "the receiver answered 410 Gone" });
    harness.clock.advance(10 * 60_000);
    await deliver();
    expect(receiver.to(path)).toHaveLength(1);

    const resumed = await client.post(`/api/console/instances/${alice.idInstance}/webhooks/resume`);
    expect(resumed.json().status).toEqual({ kind: "delivering" });
    await deliver();
    const requests = receiver.to(path);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
  });

  it("moves what was not confirmed within 24 hours to the dead letters, and replays them with their webhook-id", async () => {
    const alice = await linkedInstance();
    const path = await pushTo(alice);
    await settle(harness);
    receiver.respond = (request) => ({ status: request.path === path ? 503 : 200 });
    try {
      await deliver();
      const firstIds = new Set(ids(receiver.to(path)));
      expect(firstIds.size).toBe(1);
      harness.clock.advance(WEBHOOK_EXPIRY_MS);
      await deliver();
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
    await signInAgain();
    const afterExpiry = await overview(alice);
    expect(afterExpiry.queued).toBe(0);
    expect(afterExpiry.deadLetters.map((letter: { typeWebhook: string }) => letter.typeWebhook)).toEqual([
      "stateInstanceChanged",
      "stateInstanceChanged",
    ]);
    expect(afterExpiry.deadLetters[0].reason).toMatch(/not confirmed within 24 hours/);
    const deadIds = afterExpiry.deadLetters.map((letter: { webhookId: string }) => letter.webhookId);

    const one = await client.post(
      `/api/console/instances/${alice.idInstance}/webhooks/dead-letters/${afterExpiry.deadLetters[0].receiptId}/redeliver`,
    );
    expect(one.json()).toEqual({ redelivered: 1 });
    await deliver();
    expect(receiver.to(path).at(-1)!.headers["webhook-id"]).toBe(deadIds[0]);
    const all = await client.post(`/api/console/instances/${alice.idInstance}/webhooks/dead-letters/redeliver`);
    expect(all.json()).toEqual({ redelivered: 1 });
    await deliver();
    expect(receiver.to(path).at(-1)!.headers["webhook-id"]).toBe(deadIds[1]);
    expect((await overview(alice)).deadLetters).toEqual([]);
    // Housekeeping also sets aside what expired without an attempt (an instance whose node was down).
    receiver.respond = (request) => ({ status: request.path === path ? 500 : 200 });
    try {
      await client.post(`/api/console/instances/${alice.idInstance}/webhooks/test`);
      harness.clock.advance(WEBHOOK_EXPIRY_MS + 1);
      await harness.app.housekeeping();
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
    await signInAgain();
    expect((await overview(alice)).deadLetters).toHaveLength(1);
    // Dead letters are kept 7 days.
    harness.clock.advance(7 * 24 * 60 * 60_000 + 1);
    await harness.app.housekeeping();
    await signInAgain();
    expect((await overview(alice)).deadLetters).toEqual([]);
  });

  it("signs with both secrets for a day after a rotation, then with the new one only", async () => {
    const alice = await linkedInstance();
    const path = await pushTo(alice);
    const before = await signingSecret(alice);
    const rotated = await client.post(`/api/console/instances/${alice.idInstance}/webhooks/secret`);
    const after = rotated.json().signingSecret as string;
    expect(after).not.toBe(before);
    expect(await signingSecret(alice)).toBe(after);
    await deliver();
    const headersOf = (request: ReceivedWebhook) => ({
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    });
    const during = receiver.to(path).at(-1)!;
    expect(headersOf(during)["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(before).verify(during.bodyText, headersOf(during))).toEqual(during.body);
    expect(new Webhook(after).verify(during.bodyText, headersOf(during))).toEqual(during.body);
    expect((await overview(alice)).previousSecretValidUntil).toBe(harness.clock.now() + 24 * 60 * 60_000);

    harness.clock.advance(24 * 60 * 60_000);
    await signInAgain();
    await client.post(`/api/console/instances/${alice.idInstance}/webhooks/test`);
    await deliver();
    const later = receiver.to(path).at(-1)!;
    expect(headersOf(later)["webhook-signature"].split(" ")).toHaveLength(1);
    expect(() => new Webhook(before).verify(later.bodyText, headersOf(later))).toThrow();
    expect(new Webhook(after).verify(later.bodyText, headersOf(later))).toEqual(later.body);
  });

  it("answers receiveNotification as GREEN-API does in push mode; counts and clears the push queue", async () => {
    const alice = await linkedInstance();
    await pushTo(alice);
    const refused = await callApi(harness.app, alice, "GET", "receiveNotification");
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toBe(
      `Message cannot be received because custom webhook url is set. Go to cabinet, clear webhook url for instance: ${alice.idInstance} and wait for about 1 minute for another attempt`,
    );
    // Saving the URL restarted the instance: "starting" waits in the push queue.
    expect((await callApi(harness.app, alice, "GET", "getWebhooksCount")).json()).toEqual({ count: 1 });
    expect((await callApi(harness.app, alice, "DELETE", "clearWebhooksQueue")).json()).toEqual({ isCleared: true, reason: "" });
    expect((await callApi(harness.app, alice, "GET", "getWebhooksCount")).json()).toEqual({ count: 0 });
  });

  it("keeps other instances flowing while one receiver hangs", async () => {
    const slow = await linkedInstance();
    const quick = await linkedInstance();
    const slowPath = await pushTo(slow);
    const quickPath = await pushTo(quick);
    for (const instance of [slow, quick]) await client.post(`/api/console/instances/${instance.idInstance}/webhooks/test`);
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    receiver.respond = async (request) => {
      if (request.path === slowPath) await hanging;
      return { status: 200 };
    };
    try {
      const pass = deliver();
      await expect.poll(() => receiver.to(quickPath).length, { timeout: 5_000 }).toBe(2);
      expect(receiver.to(slowPath)).toHaveLength(1);
      release();
      await pass;
    } finally {
      receiver.respond = () => ({ status: 200 });
      release();
    }
    expect(receiver.to(slowPath)).toHaveLength(2);
    expect(receiver.to(slowPath).map((request) => request.headers["webhook-id"])).not.toContain(
      receiver.to(quickPath)[0]!.headers["webhook-id"],
    );
  });
});

describe("webhook addresses", () => {
  let guarded: TestApp;
  let person: Client;
  let answerLoopback = false;
  // A resolver standing for DNS: a public address when the URL is saved, loopback afterwards (rebinding).
  const lookup = ((
    hostname: string,
    options: dns.LookupOptions,
    callback: (error: Error | null, addresses: unknown, family?: number) => void,
  ) => {
    if (hostname !== "rebinding.example") return dns.lookup(hostname, options, callback as never);
    const address = answerLoopback ? "127.0.0.1" : "93.184.216.34";
    if (options.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as unknown as LookupFunction;

  beforeAll(async () => {
    guarded = await buildTestApp({}, { lookup });
    ({ client: person } = await registerPerson(guarded.app));
  });
  afterAll(async () => {
    await guarded.close();
  });

  it("refuses loopback, private and metadata addresses when the URL is saved, and changes nothing", async () => {
    const instance = await createInstance(person);
    for (const url of [
      `${receiverUrl}/x`,
      "http://localhost:8080/hook",
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest",
      "http://[::1]/",
    ]) {
      const refused = await callApi(guarded.app, instance, "POST", "setSettings", { body: { webhookUrl: url } });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toMatch(
        /^Validation failed\. Details: 'webhookUrl' must not point to a loopback, private or link-local address \(/,
      );
    }
    const fromConsole = await person.request("PUT", `/api/console/instances/${instance.idInstance}/settings`, {
      webhookUrl: "http://127.0.0.1:9/hook",
    });
    expect(fromConsole.statusCode).toBe(400);
    expect(fromConsole.json().fields).toEqual({ webhookUrl: "address_refused" });
    expect((await callApi(guarded.app, instance, "GET", "getSettings")).json().webhookUrl).toBe("");
  });

  it("checks the address again at every connection: a name that turns to loopback is refused and nothing reaches it", async () => {
    const instance = await createInstance(person);
    const port = new URL(receiverUrl).port;
    const saved = await callApi(guarded.app, instance, "POST", "setSettings", {
      body: { webhookUrl: `http://rebinding.example:${port}/rebound` },
    });
    expect(saved.statusCode).toBe(200);
    answerLoopback = true;
    await person.post(`/api/console/instances/${instance.idInstance}/webhooks/test`);
    await guarded.app.webhooks.deliverDue();
    expect(receiver.to("/rebound")).toEqual([]);
    const attempts = (await person.get(`/api/console/instances/${instance.idInstance}/webhooks`)).json().attempts;
    expect(attempts[0]).toMatchObject({ outcome: "refused", statusCode: null });
    expect(attempts[0].error).toMatch(/127\.0\.0\.1 is a loopback address/);
  });
});
