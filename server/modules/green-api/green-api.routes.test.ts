import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../../test/instances.js";
import { JournalRepository } from "./journal.repository.js";

let harness: TestApp;
let instance: TestInstance;
const logLines: string[] = [];
beforeAll(async () => {
  harness = await buildTestApp({ API_RATE_LIMITS: "true" }, { logLines });
  const { client } = await registerPerson(harness.app);
  instance = await createInstance(client);
});
afterAll(async () => {
  await harness.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("caching of API answers", () => {
  it("forbids storing any answer: successes, errors of every kind and OPTIONS", async () => {
    const answers = {
      success: await callApi(harness.app, instance, "POST", "sendMessage", { body: { chatId: "79001234567@c.us", message: "hi" } }),
      options: await callApi(harness.app, instance, "OPTIONS", "sendMessage"),
      badRequest: await callApi(harness.app, instance, "POST", "sendMessage", { body: { message: "hi" } }),
      badJson: await callApi(harness.app, instance, "POST", "sendMessage", { body: "{oops" }),
      unauthorized: await callApi(harness.app, instance, "GET", "getSettings", { token: "0".repeat(50) }),
      forbidden: await callApi(harness.app, { idInstance: 1_000_000_001, token: instance.token }, "GET", "getSettings"),
      notFound: await callApi(harness.app, instance, "GET", "noSuchMethod"),
      tooLarge: await callApi(harness.app, instance, "POST", "sendMessage", {
        body: { chatId: "79001234567@c.us", message: "x".repeat(1_100_000) },
      }),
    };
    const burst = await Promise.all(Array.from({ length: 3 }, () => callApi(harness.app, instance, "GET", "getStateInstance")));
    const tooMany = burst.find((response) => response.statusCode === 429);

    expect(Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, response.statusCode]))).toEqual({
      success: 200,
      options: 204,
      badRequest: 400,
      badJson: 400,
      unauthorized: 401,
      forbidden: 403,
      notFound: 404,
      tooLarge: 413,
    });
    expect(tooMany).toBeDefined();
    for (const response of [...Object.values(answers), ...burst]) {
      expect(response.headers["cache-control"], `${response.statusCode} ${response.body}`).toBe("no-store");
    }
  });
});

describe("unexpected errors", () => {
  it("answer GREEN-API's 500 text, without internals, and are logged", async () => {
    vi.spyOn(JournalRepository.prototype, "countQueued").mockRejectedValueOnce(
      new Error('relation "message" is broken at /srv/internal.ts:12'),
    );
    const response = await callApi(harness.app, instance, "GET", "getMessagesCount");
    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toContain("text/plain");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body).toBe("Internal Server Error");
    const logged = logLines.find((line) => line.includes("API method failed"));
    expect(logged).toContain("/srv/internal.ts:12");
  });
});
