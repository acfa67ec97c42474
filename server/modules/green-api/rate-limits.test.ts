import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../../test/instances.js";

let harness: TestApp;
let first: TestInstance;
let second: TestInstance;
beforeAll(async () => {
  harness = await buildTestApp({ API_RATE_LIMITS: "true" });
  const { client } = await registerPerson(harness.app);
  first = await createInstance(client);
  second = await createInstance(client);
});
afterAll(async () => {
  await harness.close();
});

/** Fires requests at once, so that they fall in the same second whatever the machine's speed. */
const burst = (count: number, call: () => ReturnType<typeof callApi>) => Promise.all(Array.from({ length: count }, call));

describe("per-instance, per-method rate limits", () => {
  it("answers 429 past a method's requests a second, per instance and per method", async () => {
    const statuses = (await burst(3, () => callApi(harness.app, first, "GET", "getStateInstance"))).map((r) => r.statusCode);
    // Two seconds may be touched by a burst; at most one request per second passes.
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(2);
    expect(statuses).toContain(429);
    const refused = (await burst(2, () => callApi(harness.app, first, "GET", "getStateInstance"))).find((r) => r.statusCode === 429);
    expect(refused?.body).toBe("Too Many Requests");

    // Another method and another instance have counts of their own.
    expect((await callApi(harness.app, first, "GET", "getWebhooksCount")).statusCode).toBe(200);
    expect((await callApi(harness.app, second, "GET", "getStateInstance")).statusCode).toBe(200);
  });

  it("allows 50 sendMessage a second", async () => {
    const responses = await burst(60, () =>
      callApi(harness.app, second, "POST", "sendMessage", { body: { chatId: "79001234567@c.us", message: "hi" } }),
    );
    const accepted = responses.filter((response) => response.statusCode === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(50);
    expect(accepted).toBeLessThanOrEqual(100);
    expect(responses.filter((response) => response.statusCode === 429).length).toBe(60 - accepted);
  });
});
