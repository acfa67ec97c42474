import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, linkToPhone, settle } from "../../test/instances.js";
import { sha256Hex } from "../../security/tokens.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

describe("instances in the console", () => {
  it("starts with an empty list, then creates an instance with a 10-digit id and a 50-hex-character token", async () => {
    const { client } = await registerPerson(harness.app);
    expect((await client.get("/api/console/instances")).json()).toEqual({ instances: [] });
    const created = await client.post("/api/console/instances", { name: "  Sales  " });
    expect(created.statusCode).toBe(201);
    const instance = created.json().instance;
    expect(instance).toMatchObject({
      name: "Sales",
      stateInstance: "notAuthorized",
      typeInstance: "whatsapp",
      apiUrl: "http://console.switchboard.test",
      mediaUrl: "http://console.switchboard.test",
      wid: "",
    });
    expect(String(instance.idInstance)).toMatch(/^[1-9]\d{9}$/);
    expect(new Date(instance.createdAt).getTime()).toBe(harness.clock.now());
    expect(instance).not.toHaveProperty("apiTokenInstance");
    const token = (await client.get(`/api/console/instances/${instance.idInstance}/token`)).json().apiTokenInstance;
    expect(token).toMatch(/^[0-9a-f]{50}$/);
    const list = (await client.get("/api/console/instances")).json().instances;
    expect(list).toEqual([
      { idInstance: instance.idInstance, name: "Sales", stateInstance: "notAuthorized", createdAt: instance.createdAt },
    ]);
  });

  it("stores the token encrypted, with only its hash for look-up", async () => {
    const { client } = await registerPerson(harness.app);
    const { idInstance, token } = await createInstance(client);
    const row = await harness.database.db
      .selectFrom("instance")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(row.token_sealed).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it.each([
    ["no name", {}, "required"],
    ["a blank name", { name: "   " }, "required"],
    ["a name over 100 characters", { name: "x".repeat(101) }, "too_long"],
  ])("refuses %s", async (_case, body, code) => {
    const { client } = await registerPerson(harness.app);
    const response = await client.post("/api/console/instances", body);
    expect(response.statusCode).toBe(400);
    expect(response.json().fields.name).toBe(code);
    expect((await client.get("/api/console/instances")).json().instances).toEqual([]);
  });

  it("regenerates the token: the old one stops working at once", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    const rotated = await client.post(`/api/console/instances/${instance.idInstance}/token`, {});
    const fresh = rotated.json().apiTokenInstance;
    expect(fresh).toMatch(/^[0-9a-f]{50}$/);
    expect(fresh).not.toBe(instance.token);
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(401);
    expect((await callApi(harness.app, { ...instance, token: fresh }, "GET", "getStateInstance")).statusCode).toBe(200);
  });

  it("deletes an instance after which its token stops working at once", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    expect((await client.request("DELETE", `/api/console/instances/${instance.idInstance}`)).statusCode).toBe(204);
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(403);
    expect((await client.get(`/api/console/instances/${instance.idInstance}`)).statusCode).toBe(404);
  });

  it("shows and saves settings under setSettings' names, restarting the instance", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    const settings = (await client.get(`/api/console/instances/${instance.idInstance}/settings`)).json();
    expect(settings).toMatchObject({ incomingWebhook: "no", delaySendMessagesMilliseconds: 500, webhookUrl: "" });
    const saved = await client.request("PUT", `/api/console/instances/${instance.idInstance}/settings`, {
      incomingWebhook: "yes",
      delaySendMessagesMilliseconds: 1500,
    });
    expect(saved.json()).toEqual({ saveSettings: true });
    expect((await client.get(`/api/console/instances/${instance.idInstance}`)).json().instance.stateInstance).toBe("starting");
    await settle(harness);
    expect((await client.get(`/api/console/instances/${instance.idInstance}/settings`)).json()).toMatchObject({
      incomingWebhook: "yes",
      delaySendMessagesMilliseconds: 1500,
    });
    const invalid = await client.request("PUT", `/api/console/instances/${instance.idInstance}/settings`, { incomingWebhook: "maybe" });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().fields).toEqual({ incomingWebhook: "invalid" });
  });

  it("links through the QR code's link, then reboots and logs out", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    const qr = (await client.get(`/api/console/instances/${instance.idInstance}/qr`)).json();
    expect(qr.type).toBe("qrCode");
    expect(Buffer.from(qr.message, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(qr.link).toMatch(/^http:\/\/console\.switchboard\.test\/sandbox\?link=[\w-]+$/);
    await linkToPhone(harness, client, instance, "79001110001");
    const linked = (await client.get(`/api/console/instances/${instance.idInstance}`)).json().instance;
    expect(linked).toMatchObject({ stateInstance: "authorized", wid: "79001110001@c.us" });
    expect((await client.get(`/api/console/instances/${instance.idInstance}/qr`)).json().type).toBe("alreadyLogged");

    const rebooted = await client.post(`/api/console/instances/${instance.idInstance}/reboot`, {});
    expect(rebooted.json().instance.stateInstance).toBe("starting");
    await settle(harness);
    expect((await client.get(`/api/console/instances/${instance.idInstance}`)).json().instance.stateInstance).toBe("authorized");

    const loggedOut = await client.post(`/api/console/instances/${instance.idInstance}/logout`, {});
    expect(loggedOut.json().instance).toMatchObject({ stateInstance: "notAuthorized", wid: "" });
  });

  it("links with a phone number through a pairing code typed on that phone", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    const pairing = await client.post(`/api/console/instances/${instance.idInstance}/pairing-code`, { phoneNumber: "79001110002" });
    expect(pairing.json()).toMatchObject({ status: true, code: expect.stringMatching(/^[A-Z0-9]{8}$/) });
    await client.post("/api/sandbox/phones", { number: "79001110003" });
    // Another phone cannot use it.
    const wrongPhone = await client.post("/api/sandbox/phones/79001110003/link", { code: pairing.json().code });
    expect(wrongPhone.statusCode).toBe(400);
    await client.post("/api/sandbox/phones", { number: "79001110002" });
    const typed = `${pairing.json().code.slice(0, 4).toLowerCase()}-${pairing.json().code.slice(4)}`;
    const linked = await client.post("/api/sandbox/phones/79001110002/link", { code: typed });
    expect(linked.statusCode).toBe(200);
    expect(linked.json().phone.linkedInstances).toEqual([{ idInstance: instance.idInstance, name: "Test instance" }]);
  });
});

describe("a person sees only their own instances", () => {
  const routes: Array<[string, "GET" | "POST" | "PUT" | "DELETE", string, unknown]> = [
    ["details", "GET", "", undefined],
    ["token", "GET", "/token", undefined],
    ["token regeneration", "POST", "/token", {}],
    ["reboot", "POST", "/reboot", {}],
    ["logout", "POST", "/logout", {}],
    ["deletion", "DELETE", "", undefined],
    ["settings", "GET", "/settings", undefined],
    ["settings change", "PUT", "/settings", { incomingWebhook: "yes" }],
    ["QR code", "GET", "/qr", undefined],
    ["pairing code", "POST", "/pairing-code", { phoneNumber: "79001110009" }],
  ];

  it.each(routes)("answers 404 for another person's instance: %s", async (_name, verb, suffix, body) => {
    const { client: owner } = await registerPerson(harness.app);
    const instance = await createInstance(owner);
    const { client: stranger } = await registerPerson(harness.app);
    const response = await stranger.request(verb, `/api/console/instances/${instance.idInstance}${suffix}`, body);
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe("not_found");
    expect(response.body).not.toContain(instance.token);
    // Nothing changed for the owner.
    expect((await owner.get(`/api/console/instances/${instance.idInstance}`)).json().instance.stateInstance).toBe("notAuthorized");
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(200);
    expect((await stranger.get("/api/console/instances")).json().instances).toEqual([]);
  });

  it("answers 404 for an instance that does not exist and for a malformed id", async () => {
    const { client } = await registerPerson(harness.app);
    expect((await client.get("/api/console/instances/1234567890")).statusCode).toBe(404);
    expect((await client.get("/api/console/instances/not-a-number")).statusCode).toBe(400);
  });

  it("needs a session for every instance route", async () => {
    const anonymous = createClient(harness.app);
    expect((await anonymous.get("/api/console/instances")).statusCode).toBe(401);
    expect((await anonymous.post("/api/console/instances", { name: "x" })).statusCode).toBe(401);
  });
});
