import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../../test/instances.js";

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
    // A real fault, on a server of its own: the table the method reads is gone.
    const broken: string[] = [];
    const server = await buildTestApp({}, { logLines: broken });
    try {
      const { client } = await registerPerson(server.app);
      const own = await createInstance(client);
      await sql`drop table message`.execute(server.database.db);
      const response = await callApi(server.app, own, "GET", "getMessagesCount");
      expect(response.statusCode).toBe(500);
      expect(response.headers["content-type"]).toContain("text/plain");
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.body).toBe("Internal Server Error");
      const logged = broken.find((line) => line.includes("API method failed"));
      expect(logged).toContain("message");
    } finally {
      await server.close();
    }
  });
});
