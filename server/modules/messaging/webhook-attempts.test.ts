import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../../test/instances.js";
import { WebhookReceiver } from "../../test/webhook-receiver.js";

let harness: TestApp;
let client: Client;
const receiver = new WebhookReceiver();
let receiverUrl = "";

beforeAll(async () => {
  receiverUrl = await receiver.start();
  // One second per attempt, so that a receiver that never answers fails quickly.
  harness = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE: "127.0.0.1/32", WEBHOOK_TIMEOUT_SECONDS: "1" });
  ({ client } = await registerPerson(harness.app));
});
afterAll(async () => {
  await harness.close();
  await receiver.stop();
});

async function instancePushingTo(path: string): Promise<TestInstance> {
  const instance = await createInstance(client);
  const saved = await callApi(harness.app, instance, "POST", "setSettings", { body: { webhookUrl: `${receiverUrl}${path}` } });
  expect(saved.statusCode).toBe(200);
  await client.post(`/api/console/instances/${instance.idInstance}/webhooks/test`);
  return instance;
}

const lastAttempt = async (instance: TestInstance) =>
  (await client.get(`/api/console/instances/${instance.idInstance}/webhooks`)).json().attempts[0] as {
    outcome: string;
    statusCode: number | null;
    error: string;
  };

describe("one webhook attempt", () => {
  it("does not follow a redirect: the attempt fails and the other address is never called", async () => {
    receiver.respond = (request) =>
      request.path === "/moved" ? { status: 302, headers: { location: `${receiverUrl}/elsewhere` } } : { status: 200 };
    const instance = await instancePushingTo("/moved");
    await harness.app.webhooks.deliverDue();
    expect(receiver.to("/elsewhere")).toEqual([]);
    expect(await lastAttempt(instance)).toMatchObject({ outcome: "failed", statusCode: 302, error: "redirects are not followed" });
  });

  it("gives up on a receiver that does not answer within WEBHOOK_TIMEOUT_SECONDS, and tries again later", async () => {
    let release: () => void = () => undefined;
    const never = new Promise<void>((resolve) => (release = resolve));
    receiver.respond = async (request) => {
      if (request.path === "/silent") await never;
      return { status: 200 };
    };
    try {
      const instance = await instancePushingTo("/silent");
      await harness.app.webhooks.deliverDue();
      expect(await lastAttempt(instance)).toMatchObject({ outcome: "failed", statusCode: null, error: "no answer within 1000 ms" });
      const { status } = (await client.get(`/api/console/instances/${instance.idInstance}/webhooks`)).json();
      expect(status).toMatchObject({ kind: "retrying", attempts: 1 });
    } finally {
      release();
      receiver.respond = () => ({ status: 200 });
    }
  });

  it("reads no more than a bounded part of an answer: an endless 200 still counts as delivered", async () => {
    // Were the whole answer read, this attempt would end only at the timeout, as a failure.
    receiver.respond = (request) => (request.path === "/large" ? { status: 200, isEndless: true } : { status: 200 });
    const instance = await instancePushingTo("/large");
    await harness.app.webhooks.deliverDue();
    expect(await lastAttempt(instance)).toMatchObject({ outcome: "delivered", statusCode: 200 });
    expect((await callApi(harness.app, instance, "GET", "getWebhooksCount")).json()).toEqual({ count: 0 });
  });
});
