import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, TEST_PUBLIC_URL, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance } from "../../test/instances.js";

let harness: TestApp;
let client: Client;

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
});
afterAll(async () => {
  await harness.close();
});

function partner(method: string, token: string, body?: unknown, verb: "GET" | "POST" = body === undefined ? "GET" : "POST") {
  return harness.app.inject({
    method: verb,
    url: `/partner/${method}/${token}`,
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, payload: JSON.stringify(body) } : {}),
  });
}

/** A partner token for the person, replacing any it had. */
async function newPartnerToken(person: Client = client): Promise<string> {
  const created = await person.post("/api/console/account/partner/token/rotate");
  expect(created.statusCode).toBe(200);
  return created.json().partnerToken as string;
}

describe("the partner token in the console", () => {
  it("is created, shown again to its owner only, replaced, each step audited", async () => {
    expect((await client.get("/api/console/account/partner")).json()).toEqual({ partnerApiUrl: TEST_PUBLIC_URL, hasToken: false });
    expect((await client.get("/api/console/account/partner/token")).statusCode).toBe(404);
    const first = await client.post("/api/console/account/partner/token");
    const token = first.json().partnerToken as string;
    expect(token).toMatch(/^[0-9a-f]{50}$/);
    // Created again (another tab did not know): nothing is replaced.
    const again = await client.post("/api/console/account/partner/token");
    expect([again.statusCode, again.json().error]).toEqual([409, "already_exists"]);
    expect((await client.get("/api/console/account/partner")).json()).toMatchObject({ hasToken: true });
    expect((await client.get("/api/console/account/partner/token")).json()).toEqual({ partnerToken: token });
    const stored = await harness.database.db.selectFrom("partner_token").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
    const events = await harness.database.db.selectFrom("audit_event").select("event").where("event", "like", "partner_token_%").execute();
    expect(events.map((row) => row.event).sort()).toEqual(["partner_token_revealed", "partner_token_rotated"]);
  });
});

describe("the partner API", () => {
  it("lists the account's instances with their tokens, in GREEN-API's shape", async () => {
    const { client: person } = await registerPerson(harness.app);
    const token = await newPartnerToken(person);
    expect((await partner("getInstances", token)).json()).toEqual([]);
    const instance = await createInstance(person, "Shop bot");
    const listed = (await partner("getInstances", token)).json();
    expect(listed).toEqual([
      {
        idInstance: instance.idInstance,
        name: "Shop bot",
        typeInstance: "whatsapp",
        typeAccount: "instance",
        partnerUserUiid: expect.any(String),
        timeCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        timeDeleted: "0001-01-01T00:00:00",
        apiTokenInstance: instance.token,
        deleted: false,
        tariff: "BUSINESS",
        isFree: false,
        isPartner: true,
        expirationDate: "0001-01-01T00:00:00",
        isExpired: false,
      },
    ]);
  });

  it("creates an instance with its settings, whose token works with the API; refuses bad input making nothing", async () => {
    const token = await newPartnerToken();
    const created = (await partner("createInstance", token, { name: "Made by partner", incomingWebhook: "yes" })).json();
    expect(created).toEqual({
      idInstance: expect.any(Number),
      apiTokenInstance: expect.stringMatching(/^[0-9a-f]{50}$/),
      typeInstance: "whatsapp",
      apiUrl: TEST_PUBLIC_URL,
      mediaUrl: TEST_PUBLIC_URL,
    });
    const made = { idInstance: created.idInstance as number, token: created.apiTokenInstance as string };
    expect((await callApi(harness.app, made, "GET", "getSettings")).json()).toMatchObject({ incomingWebhook: "yes" });
    const inConsole = (await client.get("/api/console/instances")).json().instances as Array<{ idInstance: number; name: string }>;
    expect(inConsole.find((listed) => listed.idInstance === made.idInstance)?.name).toBe("Made by partner");

    const before = (await partner("getInstances", token)).json().length as number;
    const refusals: Array<[unknown, string]> = [
      [{}, "Validation failed. Details: 'value' must have at least 1 key"],
      [{ name: "x", colour: "blue" }, "Validation failed. Details: 'colour' is not allowed"],
      [{ incomingWebhook: "maybe" }, "Validation failed. Details: 'incomingWebhook' must be one of [yes, no]"],
      [
        { name: "x", webhookUrl: "http://127.0.0.1:9/hook" },
        "Validation failed. Details: 'webhookUrl' is refused: 127.0.0.1 is a loopback address",
      ],
    ];
    for (const [body, text] of refusals) {
      const answer = await partner("createInstance", token, body);
      expect([answer.statusCode, answer.body], JSON.stringify(body)).toEqual([400, text]);
    }
    expect((await partner("getInstances", token)).json()).toHaveLength(before);
  });

  it("deletes the account's own instances only, and says what it cannot do inside a 200, as GREEN-API does", async () => {
    const token = await newPartnerToken();
    const { idInstance } = (await partner("createInstance", token, { name: "Short-lived" })).json();
    expect((await partner("deleteInstanceAccount", token, { idInstance })).json()).toEqual({ deleteInstanceAccount: true });
    const again = await partner("deleteInstanceAccount", token, { idInstance });
    expect([again.statusCode, again.json()]).toEqual([200, { code: 404, description: "Not found" }]);

    const { client: other } = await registerPerson(harness.app);
    const theirs = await createInstance(other);
    expect((await partner("deleteInstanceAccount", token, { idInstance: theirs.idInstance })).json()).toEqual({
      code: 404,
      description: "Not found",
    });
    expect((await callApi(harness.app, theirs, "GET", "getStateInstance")).statusCode).toBe(200);
  });

  it("answers a wrong or replaced token with 401 inside a 200, and a wrong verb or method with the API's 404", async () => {
    const old = await newPartnerToken();
    const fresh = await newPartnerToken();
    for (const token of [old, "0".repeat(50), "not-a-token"]) {
      const answer = await partner("getInstances", token);
      expect([answer.statusCode, answer.json()]).toEqual([200, { code: 401, description: "Unauthorized" }]);
    }
    expect((await partner("getInstances", fresh)).statusCode).toBe(200);
    expect((await partner("GetInstances", fresh)).statusCode).toBe(200);
    const wrongVerb = await partner("getInstances", fresh, {}, "POST");
    expect([wrongVerb.statusCode, wrongVerb.body]).toEqual([404, "Not Found"]);
    expect((await partner("noSuchMethod", fresh)).statusCode).toBe(404);
    // An instance API method's name under /partner is no partner method, whatever the body's type.
    const odd = await harness.app.inject({
      method: "POST",
      url: `/partner/sendMessage/${fresh}`,
      headers: { "content-type": "text/csv" },
      payload: "a,b",
    });
    expect([odd.statusCode, odd.body]).toEqual([404, "Not Found"]);
  });
});
