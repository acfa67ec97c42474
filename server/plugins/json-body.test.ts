import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, type TestApp } from "../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../test/instances.js";
import { isNestedDeeperThan, MAX_JSON_DEPTH } from "./json-body.js";

/** JSON text of objects nested `levels` deep; built as text, since JSON.stringify itself overflows on such values. */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;

describe("isNestedDeeperThan", () => {
  it("counts objects and arrays, up to the limit and past it", () => {
    expect(isNestedDeeperThan(nested(64), 64)).toBe(false);
    expect(isNestedDeeperThan(nested(65), 64)).toBe(true);
    expect(isNestedDeeperThan(`${"[".repeat(65)}${"]".repeat(65)}`, 64)).toBe(true);
    expect(isNestedDeeperThan(`[${"[{}],".repeat(1000)}[]]`, 3)).toBe(false);
    expect(isNestedDeeperThan("", 64)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes and backslashes included", () => {
    expect(isNestedDeeperThan(`{"a":"${"[".repeat(100)}"}`, 2)).toBe(false);
    expect(isNestedDeeperThan(`{"a":"\\"${"{".repeat(100)}"}`, 2)).toBe(false);
    expect(isNestedDeeperThan(`{"a":"\\\\","b":[[[]]]}`, 2)).toBe(true);
    expect(isNestedDeeperThan(`{"a":"\\\\","b":[]}`, 2)).toBe(false);
  });
});

describe("nesting of request bodies", () => {
  let harness: TestApp;
  let instance: TestInstance;
  beforeAll(async () => {
    harness = await buildTestApp();
    const { client } = await registerPerson(harness.app);
    instance = await createInstance(client);
  });
  afterAll(async () => {
    await harness.close();
  });

  const sendWithPreview = (levels: number) =>
    callApi(harness.app, instance, "POST", "sendMessage", {
      body: `{"chatId":"79001234567@c.us","message":"hi","customPreview":${nested(levels)}}`,
    });

  it("refuses a sendMessage nested 5,000 deep with GREEN-API's text 400 and stores nothing", async () => {
    const response = await sendWithPreview(5000);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("text/plain");
    expect(response.body).toBe(`The request body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays.`);
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json()).toEqual({ count: 0 });
    const rows = await harness.database.db.selectFrom("message").select("id").where("id_instance", "=", instance.idInstance).execute();
    expect(rows).toEqual([]);
  });

  it("still takes a body nested 60 deep", async () => {
    const response = await sendWithPreview(60);
    expect(response.statusCode).toBe(200);
    expect(response.json().idMessage).toMatch(/^BAE5/);
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json()).toEqual({ count: 1 });
  });

  it("refuses a console body nested 5,000 deep with the console's JSON 400", async () => {
    const client = createClient(harness.app);
    const response = await client.post("/api/console/login", `{"email":${nested(5000)},"password":"x"}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "invalid_json",
      message: `The request body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays.`,
    });
    // At 60 levels the body is parsed and reaches validation.
    const parsed = await client.post("/api/console/login", `{"email":${nested(60)},"password":"x"}`);
    expect(parsed.statusCode).toBe(400);
    expect(parsed.json().error).toBe("validation_failed");
  });

  it("keeps refusing prototype poisoning", async () => {
    const client = createClient(harness.app);
    const consoleAnswer = await client.post("/api/console/login", '{"email":"a@example.com","password":"x","__proto__":{"admin":true}}');
    expect(consoleAnswer.statusCode).toBe(400);
    expect(consoleAnswer.json().error).toBe("invalid_json");
    const api = await callApi(harness.app, instance, "POST", "sendMessage", {
      body: '{"chatId":"79001234567@c.us","message":"hi","constructor":{"prototype":{"admin":true}}}',
    });
    expect(api.statusCode).toBe(400);
    expect(api.headers["content-type"]).toContain("text/plain");
  });
});
