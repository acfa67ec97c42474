import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, createLinkedTestInstance, flushSends, type TestInstance } from "../../test/instances.js";

let harness: TestApp;
let client: Client;
let instance: TestInstance & { phone: string };
const friend = "79005550401";
const chatId = `${friend}@c.us`;

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
  await client.post("/api/sandbox/phones", { number: friend });
  instance = await createLinkedTestInstance(harness, client, "79005550400");
});
afterAll(async () => {
  await harness.close();
});

const call = (method: string, body?: unknown) => callApi(harness.app, instance, "POST", method, body === undefined ? {} : { body });
const chatsNow = async () => (await callApi(harness.app, instance, "GET", "getChats")).json() as Array<Record<string, unknown>>;
const contactInfo = async (id = chatId) => (await call("getContactInfo", { chatId: id })).json() as Record<string, unknown>;

describe("archiveChat and unarchiveChat", () => {
  it("refuses a chat without messages as GREEN-API does, then archives and unarchives with an empty 200", async () => {
    const refused = await call("archiveChat", { chatId });
    expect([refused.statusCode, refused.body]).toEqual([400, "ArchiveChatError: cannot archive chat cause last message not found in chat"]);

    await call("sendMessage", { chatId, message: "hello" });
    await flushSends(harness);
    const archived = await call("archiveChat", { chatId });
    expect([archived.statusCode, archived.body, archived.headers["content-length"]]).toEqual([200, "", "0"]);
    expect((await chatsNow()).find((chat) => chat.id === chatId)).toMatchObject({ archive: true, type: "user" });
    expect(await contactInfo()).toMatchObject({ isArchive: true });

    expect((await call("unarchiveChat", { chatId })).statusCode).toBe(200);
    expect((await chatsNow()).find((chat) => chat.id === chatId)).toMatchObject({ archive: false });
    expect(await contactInfo()).toMatchObject({ isArchive: false });
  });
});

describe("setDisappearingChat", () => {
  it("sets one of WhatsApp's durations, seen by getChats and getContactInfo, and refuses any other", async () => {
    const answer = await call("setDisappearingChat", { chatId, ephemeralExpiration: 604_800 });
    expect(answer.json()).toEqual({ chatId, disappearingMessagesInChat: true, ephemeralExpiration: 604_800 });
    expect((await chatsNow()).find((chat) => chat.id === chatId)).toMatchObject({
      ephemeralExpiration: 604_800,
      ephemeralSettingTimestamp: Math.floor(harness.clock.now() / 1000),
    });
    expect(await contactInfo()).toMatchObject({ isDisappearing: true, messageExpiration: 604_800 });

    const refused = await call("setDisappearingChat", { chatId, ephemeralExpiration: 3_600 });
    expect([refused.statusCode, refused.body]).toEqual([
      400,
      "Validation failed. Details: 'ephemeralExpiration' must be one of [0, 86400, 604800, 7776000]",
    ]);
    expect(await contactInfo()).toMatchObject({ messageExpiration: 604_800 });

    expect((await call("setDisappearingChat", { chatId, ephemeralExpiration: 0 })).json()).toMatchObject({
      disappearingMessagesInChat: false,
    });
    expect(await contactInfo()).toMatchObject({ isDisappearing: false, messageExpiration: 0 });
  });
});

describe("addContact, editContact, deleteContact", () => {
  it("saves a name that getContacts, getContactInfo and getChats show, edits and deletes it", async () => {
    const stranger = "79005550499@c.us";
    expect(
      (await call("addContact", { chatId: stranger, firstName: "Ada", lastName: "Lovelace", saveInAddressbook: true })).json(),
    ).toEqual({
      addContact: true,
    });
    expect((await call("addContact", { chatId, firstName: "Grace" })).json()).toEqual({ addContact: true });
    const contacts = (await callApi(harness.app, instance, "GET", "getContacts")).json() as Array<Record<string, unknown>>;
    expect(contacts).toContainEqual({ id: stranger, name: "", contactName: "Ada Lovelace", type: "user" });
    expect(contacts.find((contact) => contact.id === chatId)).toMatchObject({ contactName: "Grace" });
    expect(await contactInfo()).toMatchObject({ contactName: "Grace" });
    expect((await chatsNow()).find((chat) => chat.id === chatId)).toMatchObject({ name: "Grace" });

    expect((await call("editContact", { chatId: stranger, firstName: "Ada", lastName: "King" })).json()).toEqual({ editContact: true });
    expect(await contactInfo(stranger)).toMatchObject({ contactName: "Ada King" });
    expect((await call("deleteContact", { chatId: stranger })).json()).toEqual({ deleteContact: true });
    const after = (await callApi(harness.app, instance, "GET", "getContacts")).json() as Array<Record<string, unknown>>;
    expect(after.map((contact) => contact.id)).not.toContain(stranger);

    const group = await call("addContact", { chatId: "120363043968066561@g.us", firstName: "Team" });
    expect([group.statusCode, group.body]).toEqual([
      400,
      "Validation failed. Details: 'chatId' must be one of the next formats: 'phone_number@c.us'",
    ]);
    const unnamed = await call("addContact", { chatId });
    expect([unnamed.statusCode, unnamed.body]).toEqual([400, "Validation failed. Details: 'firstName' is required"]);
  });
});

describe("sendTyping, getDeviceInfo, getStatusInstance", () => {
  it("answer as GREEN-API does for a linked instance, and refuse or report an unlinked one", async () => {
    const typing = await call("sendTyping", { chatId, typingTime: 3_000 });
    expect([typing.statusCode, typing.body]).toEqual([200, ""]);
    const tooLong = await call("sendTyping", { chatId, typingTime: 60_000 });
    expect([tooLong.statusCode, tooLong.body]).toEqual([
      400,
      "Validation failed. Details: 'typingTime' must be less than or equal to 20000",
    ]);
    expect((await callApi(harness.app, instance, "GET", "getStatusInstance")).json()).toEqual({ statusInstance: "online" });
    expect((await callApi(harness.app, instance, "GET", "getDeviceInfo")).json()).toMatchObject({ platform: "web", battery: 100 });

    const unlinked = await createInstance(client);
    expect((await callApi(harness.app, unlinked, "GET", "getStatusInstance")).json()).toEqual({ statusInstance: "offline" });
    expect((await callApi(harness.app, unlinked, "GET", "getDeviceInfo")).json()).toMatchObject({ platform: "", battery: 0 });
    for (const method of ["archiveChat", "setDisappearingChat", "addContact", "sendTyping"]) {
      const refused = await callApi(harness.app, unlinked, "POST", method, { body: { chatId } });
      expect([refused.statusCode, refused.body], method).toEqual([400, "instance is starting or not authorized"]);
    }
  });
});
