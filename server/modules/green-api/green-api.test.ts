import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_METHODS } from "../../../shared/green-api-methods.js";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, formBody, linkToPhone, settle, type TestInstance } from "../../test/instances.js";

let harness: TestApp;
let instance: TestInstance;
let client: Awaited<ReturnType<typeof registerPerson>>["client"];
beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
  instance = await createInstance(client);
});
afterAll(async () => {
  await harness.close();
});

describe("routing and authentication", () => {
  it("matches method names without regard to case", async () => {
    for (const name of ["getStateInstance", "GetStateInstance", "GETSTATEINSTANCE", "getstateinstance"]) {
      const response = await callApi(harness.app, instance, "GET", name);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ stateInstance: "notAuthorized" });
    }
  });

  it("answers a wrong verb and an unknown method with 404", async () => {
    expect((await callApi(harness.app, instance, "POST", "getStateInstance", { body: {} })).statusCode).toBe(404);
    expect((await callApi(harness.app, instance, "GET", "sendMessage")).statusCode).toBe(404);
    expect((await callApi(harness.app, instance, "GET", "noSuchMethod")).statusCode).toBe(404);
    expect((await callApi(harness.app, instance, "GET", "getStateInstance", { receiptId: 5 })).statusCode).toBe(404);
    // An unknown method is 404 whatever body it is sent with, never 415.
    for (const contentType of ["text/plain", "application/xml", "multipart/form-data; boundary=x"]) {
      const odd = await callApi(harness.app, instance, "POST", "noSuchMethod", {
        payload: Buffer.from("x"),
        headers: { "content-type": contentType },
      });
      expect(odd.statusCode, contentType).toBe(404);
    }
  });

  it("answers paths of the API's shapes that name no method with its 404 as text, never the console's page, and serves /v3", async () => {
    for (const url of [
      `/waInstance${instance.idInstance}`,
      `/waInstance${instance.idInstance}/getStateInstance`,
      `/waInstance${instance.idInstance}/getStateInstance/${instance.token}/1/2`,
      "/partner/getInstances",
      "/v3/anything",
    ]) {
      const answer = await harness.app.inject({ method: "GET", url });
      expect([answer.statusCode, answer.body, answer.headers["content-type"]], url).toEqual([
        404,
        "Not Found",
        "text/plain; charset=utf-8",
      ]);
      expect(answer.headers["access-control-allow-origin"]).toBe("*");
    }
    const v3 = await harness.app.inject({ method: "GET", url: `/v3/waInstance${instance.idInstance}/getStateInstance/${instance.token}` });
    expect([v3.statusCode, v3.json()]).toEqual([200, { stateInstance: "notAuthorized" }]);
  });

  it("answers a wrong token with 401 and an unknown instance with 403", async () => {
    const wrong = await callApi(harness.app, instance, "GET", "getStateInstance", { token: "0".repeat(50) });
    expect(wrong.statusCode).toBe(401);
    const unknown = await callApi(harness.app, { idInstance: 1_000_000_001, token: instance.token }, "GET", "getStateInstance");
    expect(unknown.statusCode).toBe(403);
    expect((await harness.app.inject({ method: "GET", url: `/waInstanceabc/getStateInstance/${instance.token}` })).statusCode).toBe(403);
  });

  it("lets another account's token reach only its own instance", async () => {
    const { client: other } = await registerPerson(harness.app);
    const theirs = await createInstance(other);
    const crossed = await callApi(harness.app, { idInstance: instance.idInstance, token: theirs.token }, "GET", "getSettings");
    expect(crossed.statusCode).toBe(401);
  });

  it("answers OPTIONS with 204 and permissive CORS", async () => {
    const response = await callApi(harness.app, instance, "OPTIONS", "sendMessage");
    expect(response.statusCode).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe("*");
    expect(response.headers["access-control-allow-methods"]).toContain("DELETE");
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).headers["access-control-allow-origin"]).toBe("*");
  });

  it("explains bad input in GREEN-API's words, as text", async () => {
    const cases: Array<[unknown, string]> = [
      [{ message: "hi" }, "Validation failed. Details: 'chatId' is required"],
      [
        { chatId: "79001234567", message: "hi" },
        "Validation failed. Details: 'chatId' must be one of the next formats: 'phone_number@c.us' or 'group_id@g.us'",
      ],
      [
        { chatId: "79001234567@c.us", message: "x".repeat(20_001) },
        "Validation failed. Details: 'message' length must be less than or equal to 20000 characters long",
      ],
      [{ chatId: "79001234567@c.us", message: "" }, "Validation failed. Details: 'message' is not allowed to be empty"],
      [{ chatId: "79001234567@c.us", message: 5 }, "Validation failed. Details: 'message' must be a string"],
      [{ chatId: "79001234567@c.us", message: "hi", extra: 1 }, "Validation failed. Details: 'extra' is not allowed"],
      [
        { chatId: "79001234567@c.us", message: "hi", quotedMessageId: "BAE5" },
        "Validation failed. Details: 'message id' must be at least 16 symbols",
      ],
    ];
    for (const [body, text] of cases) {
      const response = await callApi(harness.app, instance, "POST", "sendMessage", { body });
      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toContain("text/plain");
      expect(response.body).toBe(text);
    }
    const malformed = await callApi(harness.app, instance, "POST", "sendMessage", { body: "{oops" });
    expect(malformed.statusCode).toBe(400);
    expect((await callApi(harness.app, instance, "GET", "showMessagesQueue")).json()).toEqual([]);
  });

  it("takes null for an optional field, as the official SDK's typings send it", async () => {
    const contact = await callApi(harness.app, instance, "POST", "sendContact", {
      body: {
        chatId: "79001234567@c.us",
        contact: { phoneContact: 79001234568, firstName: "Ada", middleName: null, lastName: null, company: null },
        quotedMessageId: null,
      },
    });
    expect(contact.statusCode).toBe(200);
    const message = await callApi(harness.app, instance, "POST", "sendMessage", {
      body: { chatId: "79001234567@c.us", message: "hi", quotedMessageId: null, linkPreview: null },
    });
    expect(message.statusCode).toBe(200);
  });

  it("never logs the token of a request", async () => {
    const { redactApiToken } = await import("../../logging.js");
    expect(redactApiToken(`/waInstance1101000001/sendMessage/${instance.token}`)).toBe("/waInstance1101000001/sendMessage/[redacted]");
    expect(redactApiToken(`/waInstance1101000001/deleteNotification/${instance.token}/12`)).toBe(
      "/waInstance1101000001/deleteNotification/[redacted]/12",
    );
  });

  it("serves every method of the catalogue", async () => {
    const file = { name: "note.txt", type: "text/plain", bytes: Buffer.from("a file for the catalogue") };
    for (const method of API_METHODS) {
      const upload =
        method.upload === "multipart"
          ? await formBody(method.exampleFields ?? {}, file)
          : method.upload === "raw"
            ? { payload: file.bytes, headers: { "content-type": file.type } }
            : {};
      const response = await callApi(harness.app, instance, method.verb, method.name, {
        ...upload,
        ...(method.exampleBody ? { body: method.exampleBody } : {}),
        ...(method.takesReceiptId ? { receiptId: 1 } : {}),
        ...(method.exampleQuery && method.name !== "receiveNotification" ? { query: method.exampleQuery } : {}),
      });
      expect([200, 400], `${method.name}: ${response.body}`).toContain(response.statusCode);
      if (method.name === "updateApiToken") instance = { ...instance, token: response.json().apiTokenInstance };
    }
  }, 20_000);
});

describe("account methods", () => {
  it("getSettings answers every field, yes/no as strings, all notifications off after creation", async () => {
    const fresh = await createInstance(client);
    const settings = (await callApi(harness.app, fresh, "GET", "getSettings")).json();
    expect(settings).toMatchObject({
      wid: "",
      webhookUrl: "",
      webhookUrlToken: "",
      delaySendMessagesMilliseconds: 500,
      markIncomingMessagesReaded: "no",
      markIncomingMessagesReadedOnReply: "no",
      outgoingWebhook: "no",
      outgoingMessageWebhook: "no",
      outgoingAPIMessageWebhook: "no",
      incomingWebhook: "no",
      deviceWebhook: "no",
      stateWebhook: "no",
      keepOnlineStatus: "no",
      pollMessageWebhook: "no",
      incomingBlockWebhook: "no",
      incomingCallWebhook: "no",
      editedMessageWebhook: "no",
      deletedMessageWebhook: "no",
      countryInstance: "",
      typeAccount: "",
      sharedSession: "no",
      statusInstanceWebhook: "no",
    });
  });

  it("setSettings saves a partial update, passes through starting, and refuses bad fields", async () => {
    const fresh = await createInstance(client);
    const saved = await callApi(harness.app, fresh, "POST", "SetSettings", {
      body: { stateWebhook: "yes", delaySendMessagesMilliseconds: 2000 },
    });
    expect(saved.json()).toEqual({ saveSettings: true });
    expect((await callApi(harness.app, fresh, "GET", "getStateInstance")).json()).toEqual({ stateInstance: "starting" });
    await settle(harness);
    expect((await callApi(harness.app, fresh, "GET", "getStateInstance")).json()).toEqual({ stateInstance: "notAuthorized" });
    expect((await callApi(harness.app, fresh, "GET", "getSettings")).json()).toMatchObject({
      stateWebhook: "yes",
      delaySendMessagesMilliseconds: 2000,
      incomingWebhook: "no",
    });
    for (const [body, text] of [
      [{}, "Validation failed. Details: 'value' must have at least 1 key"],
      [{ nope: "yes" }, "Validation failed. Details: 'nope' is not allowed"],
      [{ stateWebhook: true }, "Validation failed. Details: 'stateWebhook' must be one of [yes, no]"],
      [
        { delaySendMessagesMilliseconds: 10 },
        "Validation failed. Details: 'delaySendMessagesMilliseconds' must be greater than or equal to 500",
      ],
    ] as const) {
      const refused = await callApi(harness.app, fresh, "POST", "setSettings", { body });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toBe(text);
    }
  });

  it("getStateInstanceHistory, getWaSettings, qr, reboot, logout and getAuthorizationCode answer their shapes", async () => {
    const fresh = await createInstance(client);
    expect((await callApi(harness.app, fresh, "GET", "getWaSettings")).json()).toEqual({
      avatar: "",
      phone: "",
      stateInstance: "notAuthorized",
      deviceId: "",
    });
    const qr = (await callApi(harness.app, fresh, "GET", "qr")).json();
    expect(qr.type).toBe("qrCode");
    expect(Object.keys(qr).sort()).toEqual(["message", "type"]);
    const code = (await callApi(harness.app, fresh, "POST", "getAuthorizationCode", { body: { phoneNumber: 79001112233 } })).json();
    expect(code).toEqual({ status: true, code: expect.stringMatching(/^[A-Z0-9]{8}$/) });

    await linkToPhone(harness, client, fresh, "79001112233");
    expect((await callApi(harness.app, fresh, "GET", "getWaSettings")).json()).toEqual({
      avatar: "",
      phone: "79001112233",
      stateInstance: "authorized",
      deviceId: "79001112233:1@s.whatsapp.net",
    });
    expect((await callApi(harness.app, fresh, "GET", "qr")).json()).toEqual({
      type: "alreadyLogged",
      message: "instance account already authorized",
    });
    expect((await callApi(harness.app, fresh, "POST", "getAuthorizationCode", { body: { phoneNumber: 79001112233 } })).json().status).toBe(
      false,
    );
    expect((await callApi(harness.app, fresh, "GET", "reboot")).json()).toEqual({ isReboot: true });
    await settle(harness);
    expect((await callApi(harness.app, fresh, "GET", "logout")).json()).toEqual({ isLogout: true });
    expect((await callApi(harness.app, fresh, "GET", "getStateInstance")).json()).toEqual({ stateInstance: "notAuthorized" });

    const history = (await callApi(harness.app, fresh, "GET", "getStateInstanceHistory")).json();
    expect(history.map((entry: { stateInstance: string }) => entry.stateInstance)).toEqual([
      "notAuthorized",
      "authorized",
      "starting",
      "authorized",
      "starting",
      "notAuthorized",
    ]);
    expect(history[1]).toEqual({ stateInstance: "authorized", timestamp: expect.any(Number), phoneNumber: "79001112233" });
    expect((await callApi(harness.app, fresh, "GET", "getStateInstanceHistory", { query: "count=2" })).json()).toHaveLength(2);
  });

  it("keeps both of two settings saved at the same moment", async () => {
    const fresh = await createInstance(client);
    const [api, consoleSave] = await Promise.all([
      callApi(harness.app, fresh, "POST", "setSettings", { body: { incomingWebhook: "yes" } }),
      client.request("PUT", `/api/console/instances/${fresh.idInstance}/settings`, { outgoingWebhook: "yes" }),
    ]);
    expect(api.statusCode).toBe(200);
    expect(consoleSave.statusCode).toBe(200);
    expect((await callApi(harness.app, fresh, "GET", "getSettings")).json()).toMatchObject({
      incomingWebhook: "yes",
      outgoingWebhook: "yes",
    });
  });

  it("keeps 30 days of state history", async () => {
    const fresh = await createInstance(client);
    harness.clock.advance(31 * 24 * 60 * 60_000);
    await callApi(harness.app, fresh, "GET", "reboot");
    await harness.app.housekeeping();
    const history = (await callApi(harness.app, fresh, "GET", "getStateInstanceHistory")).json();
    expect(history.map((entry: { stateInstance: string }) => entry.stateInstance)).toEqual(["starting"]);
    // A month has passed: the console session ended, so the next tests sign in anew.
    ({ client } = await registerPerson(harness.app));
  });

  it("updateApiToken answers the new token and retires the old one", async () => {
    const fresh = await createInstance(client);
    const answer = (await callApi(harness.app, fresh, "GET", "updateApiToken")).json();
    expect(answer.apiTokenInstance).toMatch(/^[0-9a-f]{50}$/);
    expect((await callApi(harness.app, fresh, "GET", "getStateInstance")).statusCode).toBe(401);
    expect((await callApi(harness.app, { ...fresh, token: answer.apiTokenInstance }, "GET", "getStateInstance")).statusCode).toBe(200);
    expect((await client.get(`/api/console/instances/${fresh.idInstance}/token`)).json().apiTokenInstance).toBe(answer.apiTokenInstance);
  });
});

describe("methods that need a linked phone", () => {
  it.each([
    ["checkWhatsapp", "POST", { phoneNumber: 79001234567 }],
    ["getContacts", "GET", undefined],
    ["getContactInfo", "POST", { chatId: "79001234567@c.us" }],
    ["getAvatar", "POST", { chatId: "79001234567@c.us" }],
    ["readChat", "POST", { chatId: "79001234567@c.us" }],
    ["getChats", "GET", undefined],
  ] as const)("%s refuses until the instance is authorized", async (method, verb, body) => {
    const response = await callApi(harness.app, instance, verb, method, body ? { body } : {});
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe("instance is starting or not authorized");
  });
});
