import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, flushSends, linkToPhone } from "../../test/instances.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

describe("getContacts", () => {
  it("lists only whom the instance and its phone have exchanged messages with, never other people's phones", async () => {
    const alice = await registerPerson(harness.app);
    const bob = await registerPerson(harness.app);
    const [alicePhone, aliceOtherPhone, bobPhone, bobOtherPhone] = ["79007000001", "79007000002", "79007000003", "79007000004"];

    // Before any instance is linked, Alice's phone chats with her other phone: a chat of the phone itself.
    await alice.client.post("/api/sandbox/phones", { number: alicePhone });
    await alice.client.post("/api/sandbox/phones", { number: aliceOtherPhone });
    await alice.client.post(`/api/sandbox/phones/${alicePhone}/messages`, {
      chatId: `${aliceOtherPhone}@c.us`,
      text: "before the instance",
    });
    const instance = await createInstance(alice.client);
    await linkToPhone(harness, alice.client, instance, alicePhone);
    for (const number of [bobPhone, bobOtherPhone]) {
      expect((await bob.client.post("/api/sandbox/phones", { number })).statusCode).toBe(200);
    }
    const contactIds = async () => {
      const response = await callApi(harness.app, instance, "GET", "getContacts");
      expect(response.statusCode).toBe(200);
      return (response.json() as Array<{ id: string }>).map((contact) => contact.id);
    };

    expect(await contactIds()).toEqual([`${aliceOtherPhone}@c.us`]);
    // Whether a number is on the network is still answered for any number.
    const check = await callApi(harness.app, instance, "POST", "checkWhatsapp", { body: { phoneNumber: Number(bobPhone) } });
    expect(check.json()).toEqual({ existsWhatsapp: true });
    expect(await contactIds()).toEqual([`${aliceOtherPhone}@c.us`]);

    // A message to Bob's phone makes it a contact; his other phone stays unknown.
    await callApi(harness.app, instance, "POST", "sendMessage", { body: { chatId: `${bobPhone}@c.us`, message: "Hello Bob" } });
    await flushSends(harness);
    expect(await contactIds()).toEqual([`${aliceOtherPhone}@c.us`, `${bobPhone}@c.us`]);

    // A message from Bob's other phone to Alice's number does too.
    await bob.client.post(`/api/sandbox/phones/${bobOtherPhone}/messages`, { chatId: `${alicePhone}@c.us`, text: "Hi Alice" });
    const contacts = (await callApi(harness.app, instance, "GET", "getContacts")).json();
    expect(contacts).toEqual([
      { id: `${aliceOtherPhone}@c.us`, name: `+${aliceOtherPhone}`, contactName: "", type: "user" },
      { id: `${bobPhone}@c.us`, name: `+${bobPhone}`, contactName: "", type: "user" },
      { id: `${bobOtherPhone}@c.us`, name: `+${bobOtherPhone}`, contactName: "", type: "user" },
    ]);
  });
});
