import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import {
  ALL_NOTIFICATIONS,
  callApi,
  createLinkedTestInstance,
  createInstance,
  drainNotifications,
  flushSends,
  linkToPhone,
  settle,
  type TestInstance,
} from "../../test/instances.js";

let harness: TestApp;
let client: Client;
let phoneCounter = 0;
const nextPhone = () => `7900${String(2_000_000 + phoneCounter++).padStart(7, "0")}`;

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
});
afterAll(async () => {
  await harness.close();
});

/** An authorized instance linked to a new sandbox phone, with the given settings. */
function linkedInstance(settings: Record<string, unknown> = ALL_NOTIFICATIONS): Promise<TestInstance & { phone: string }> {
  return createLinkedTestInstance(harness, client, nextPhone(), settings);
}

const send = (instance: TestInstance, method: string, body: unknown) => callApi(harness.app, instance, "POST", method, { body });
const types = (bodies: Array<Record<string, unknown>>) => bodies.map((body) => body.typeWebhook);

describe("two linked instances talk through the sandbox", () => {
  it("delivers a text with statuses sent → delivered → read and the notifications the flags allow", async () => {
    const alice = await linkedInstance();
    const bob = await linkedInstance();
    const sent = await send(alice, "sendMessage", { chatId: `${bob.phone}@c.us`, message: "Hello Bob" });
    expect(sent.statusCode).toBe(200);
    const { idMessage } = sent.json();
    expect(idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    await flushSends(harness);

    const bobSees = await drainNotifications(harness.app, bob);
    expect(bobSees).toHaveLength(1);
    expect(bobSees[0]).toMatchObject({
      typeWebhook: "incomingMessageReceived",
      instanceData: { idInstance: bob.idInstance, wid: `${bob.phone}@c.us`, typeInstance: "whatsapp" },
      idMessage,
      senderData: { chatId: `${alice.phone}@c.us`, sender: `${alice.phone}@c.us` },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: "Hello Bob" } },
    });
    expect(typeof bobSees[0]!.timestamp).toBe("number");

    expect((await send(bob, "readChat", { chatId: `${alice.phone}@c.us` })).json()).toEqual({ setRead: true });
    const aliceSees = await drainNotifications(harness.app, alice);
    expect(types(aliceSees)).toEqual([
      "outgoingAPIMessageReceived",
      "outgoingMessageStatus",
      "outgoingMessageStatus",
      "outgoingMessageStatus",
    ]);
    expect(aliceSees.slice(1).map((body) => body.status)).toEqual(["sent", "delivered", "read"]);
    expect(aliceSees[1]).toMatchObject({ chatId: `${bob.phone}@c.us`, idMessage, sendByApi: true });

    const [outgoing] = (await callApi(harness.app, alice, "GET", "lastOutgoingMessages")).json();
    expect(outgoing).toMatchObject({
      type: "outgoing",
      idMessage,
      typeMessage: "textMessage",
      chatId: `${bob.phone}@c.us`,
      textMessage: "Hello Bob",
      statusMessage: "read",
      sendByApi: true,
    });
    const [incoming] = (await callApi(harness.app, bob, "GET", "lastIncomingMessages", { query: "minutes=10" })).json();
    expect(incoming).toMatchObject({ type: "incoming", idMessage, senderId: `${alice.phone}@c.us`, textMessage: "Hello Bob" });
    expect((await send(bob, "getMessage", { chatId: `${alice.phone}@c.us`, idMessage })).json()).toMatchObject({
      idMessage,
      type: "incoming",
    });
    const history = (await send(alice, "getChatHistory", { chatId: `${bob.phone}@c.us`, count: 10 })).json();
    expect(history.map((entry: { idMessage: string }) => entry.idMessage)).toEqual([idMessage]);
  });

  it("sends locations, contacts, polls and forwards with their journal and notification shapes", async () => {
    const alice = await linkedInstance();
    // Polls reach the owner only with pollMessageWebhook on, as GREEN-API's do.
    const bob = await linkedInstance({ incomingWebhook: "yes", pollMessageWebhook: "yes" });
    const chatId = `${bob.phone}@c.us`;
    const location = (
      await send(alice, "sendLocation", { chatId, latitude: 51.5, longitude: -0.12, nameLocation: "Office", address: "1 Main St" })
    ).json().idMessage;
    const contact = (
      await send(alice, "sendContact", { chatId, contact: { phoneContact: 79001234568, firstName: "Ada", lastName: "Lovelace" } })
    ).json().idMessage;
    const poll = (
      await send(alice, "sendPoll", { chatId, message: "Colour?", options: [{ optionName: "green" }, { optionName: "red" }] })
    ).json().idMessage;
    await flushSends(harness, 3);
    const forwarded = (
      await send(alice, "ForwardMessages", { chatId, chatIdFrom: chatId, messages: [location, "BAE5000000000000"] })
    ).json();
    expect(forwarded.messages).toHaveLength(2);
    await flushSends(harness);

    const received = (await drainNotifications(harness.app, bob)).map((body) => body.messageData as Record<string, unknown>);
    expect(received.map((data) => data.typeMessage)).toEqual(["locationMessage", "contactMessage", "pollMessage", "locationMessage"]);
    expect(received[0]).toMatchObject({
      locationMessageData: { nameLocation: "Office", address: "1 Main St", latitude: 51.5, longitude: -0.12 },
    });
    expect(received[1]).toMatchObject({
      contactMessageData: { displayName: "Ada Lovelace", vcard: expect.stringContaining("waid=79001234568:+79001234568") },
    });
    expect(received[2]).toMatchObject({
      pollMessageData: { name: "Colour?", options: [{ optionName: "green" }, { optionName: "red" }], multipleAnswers: false },
    });
    expect(received[3]).toMatchObject({ isForwarded: true });
    const journal = (await send(alice, "getChatHistory", { chatId })).json();
    expect(journal.map((entry: { idMessage: string }) => entry.idMessage)).toEqual([forwarded.messages[0], poll, contact, location]);
  });

  it("answers noAccount, always notified, for a number outside the sandbox", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "no" });
    const { idMessage } = (await send(alice, "sendMessage", { chatId: "79990000000@c.us", message: "anyone?" })).json();
    await flushSends(harness);
    const seen = await drainNotifications(harness.app, alice);
    expect(seen).toEqual([expect.objectContaining({ typeWebhook: "outgoingMessageStatus", idMessage, status: "noAccount" })]);
    expect((await send(alice, "checkWhatsapp", { phoneNumber: 79990000000 })).json()).toEqual({ existsWhatsapp: false });
    expect((await send(alice, "checkWhatsapp", { phoneNumber: Number(alice.phone) })).json()).toEqual({ existsWhatsapp: true });
    const bad = await send(alice, "checkWhatsapp", { phoneNumber: 123 });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe("bad phone number, valid 11 or 12 digits");
  });

  it("gates every notification type by its flag: with all flags off nothing arrives but noAccount", async () => {
    const quiet = await linkedInstance({ incomingWebhook: "no" });
    const talker = await linkedInstance();
    await send(talker, "sendMessage", { chatId: `${quiet.phone}@c.us`, message: "psst" });
    await send(quiet, "sendMessage", { chatId: `${talker.phone}@c.us`, message: "hi" });
    await flushSends(harness);
    await callApi(harness.app, quiet, "GET", "reboot");
    await settle(harness);
    expect(await drainNotifications(harness.app, quiet)).toEqual([]);
    // The journal keeps both directions regardless of the flags.
    expect((await callApi(harness.app, quiet, "GET", "lastIncomingMessages")).json()).toHaveLength(1);
    expect((await callApi(harness.app, quiet, "GET", "lastOutgoingMessages")).json()).toHaveLength(1);
  });

  it("tells the instance about state changes when stateWebhook is on", async () => {
    const watcher = await linkedInstance({ stateWebhook: "yes" });
    await callApi(harness.app, watcher, "GET", "reboot");
    await settle(harness);
    await callApi(harness.app, watcher, "GET", "logout");
    const states = (await drainNotifications(harness.app, watcher)).map((body) => [body.typeWebhook, body.stateInstance]);
    expect(states).toEqual([
      ["stateInstanceChanged", "starting"],
      ["stateInstanceChanged", "authorized"],
      ["stateInstanceChanged", "notAuthorized"],
    ]);
  });

  it("marks incoming messages read by itself with markIncomingMessagesReaded", async () => {
    const reader = await linkedInstance({ markIncomingMessagesReaded: "yes" });
    const writer = await linkedInstance({ outgoingWebhook: "yes" });
    await send(writer, "sendMessage", { chatId: `${reader.phone}@c.us`, message: "read me" });
    await flushSends(harness);
    const [outgoing] = (await callApi(harness.app, writer, "GET", "lastOutgoingMessages")).json();
    expect(outgoing.statusMessage).toBe("read");
  });
});

describe("markIncomingMessagesReadedOnReply", () => {
  it("marks a chat read when the instance replies through the API", async () => {
    const replier = await linkedInstance({ markIncomingMessagesReadedOnReply: "yes" });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await client.post(`/api/sandbox/phones/${friend}/messages`, { chatId: `${replier.phone}@c.us`, text: "are you there?" });
    const before = (await client.get(`/api/sandbox/phones/${friend}/chats/${replier.phone}@c.us/messages`)).json().messages;
    expect(before[0].status).toBe("delivered");
    await send(replier, "sendMessage", { chatId: `${friend}@c.us`, message: "yes" });
    await flushSends(harness);
    const after = (await client.get(`/api/sandbox/phones/${friend}/chats/${replier.phone}@c.us/messages`)).json().messages;
    expect(after.find((message: { fromMe: boolean }) => message.fromMe).status).toBe("read");
  });
});

describe("sandbox phones and instances", () => {
  it("shows what an instance sends on the phone, and brings the phone's reply and read mark back", async () => {
    const instance = await linkedInstance();
    const phone = nextPhone();
    await client.post("/api/sandbox/phones", { number: phone });
    const { idMessage } = (await send(instance, "sendMessage", { chatId: `${phone}@c.us`, message: "Your order shipped" })).json();
    await flushSends(harness);
    const chats = (await client.get(`/api/sandbox/phones/${phone}/chats`)).json().chats;
    expect(chats).toEqual([
      { chatId: `${instance.phone}@c.us`, lastMessage: "Your order shipped", lastTimestamp: expect.any(Number), unread: 1 },
    ]);
    const onPhone = (await client.get(`/api/sandbox/phones/${phone}/chats/${instance.phone}@c.us/messages`)).json().messages;
    expect(onPhone).toEqual([expect.objectContaining({ idMessage, fromMe: false, text: "Your order shipped", status: null })]);

    expect((await client.post(`/api/sandbox/phones/${phone}/chats/${instance.phone}@c.us/read`, {})).statusCode).toBe(204);
    const reply = await client.post(`/api/sandbox/phones/${phone}/messages`, { chatId: `${instance.phone}@c.us`, text: "Thanks!" });
    expect(reply.json().message).toMatchObject({ fromMe: true, text: "Thanks!", status: "delivered" });

    const seen = await drainNotifications(harness.app, instance);
    expect(seen.filter((body) => body.typeWebhook === "outgoingMessageStatus").map((body) => body.status)).toEqual([
      "sent",
      "delivered",
      "read",
    ]);
    const incoming = seen.find((body) => body.typeWebhook === "incomingMessageReceived");
    expect(incoming).toMatchObject({
      senderData: { chatId: `${phone}@c.us` },
      messageData: { textMessageData: { textMessage: "Thanks!" } },
    });

    await send(instance, "readChat", { chatId: `${phone}@c.us` });
    const mine = (await client.get(`/api/sandbox/phones/${phone}/chats/${instance.phone}@c.us/messages`)).json().messages;
    expect(mine.find((message: { fromMe: boolean }) => message.fromMe).status).toBe("read");
  });

  it("shows a message typed on the linked phone itself as outgoingMessageReceived", async () => {
    const instance = await linkedInstance();
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await client.post(`/api/sandbox/phones/${instance.phone}/messages`, { chatId: `${friend}@c.us`, text: "typed on the phone" });
    const seen = await drainNotifications(harness.app, instance);
    expect(seen).toEqual([
      expect.objectContaining({
        typeWebhook: "outgoingMessageReceived",
        senderData: expect.objectContaining({ chatId: `${friend}@c.us`, sender: `${instance.phone}@c.us` }),
        messageData: { typeMessage: "textMessage", textMessageData: { textMessage: "typed on the phone" } },
      }),
    ]);
    const [journal] = (await callApi(harness.app, instance, "GET", "lastOutgoingMessages")).json();
    expect(journal).toMatchObject({ sendByApi: false, textMessage: "typed on the phone" });
  });

  it("lists contacts, contact info, avatars and chats of a linked instance", async () => {
    const instance = await linkedInstance();
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await send(instance, "sendMessage", { chatId: `${friend}@c.us`, message: "hi" });
    await flushSends(harness);
    const contacts = (await callApi(harness.app, instance, "GET", "getContacts")).json();
    expect(contacts).toContainEqual({ id: `${friend}@c.us`, name: `+${friend}`, contactName: "", type: "user" });
    expect(contacts.find((contact: { id: string }) => contact.id === `${instance.phone}@c.us`)).toBeUndefined();
    expect((await send(instance, "getContactInfo", { chatId: `${friend}@c.us` })).json()).toMatchObject({
      chatId: `${friend}@c.us`,
      name: `+${friend}`,
      products: [],
    });
    expect((await send(instance, "getContactInfo", { chatId: "120363043968066561@g.us" })).statusCode).toBe(400);
    expect((await send(instance, "getAvatar", { chatId: `${friend}@c.us` })).json()).toEqual({ urlAvatar: "", available: true });
    expect((await callApi(harness.app, instance, "GET", "getChats")).json()).toEqual([
      { archive: false, id: `${friend}@c.us`, name: "", type: "user", ephemeralExpiration: 0, ephemeralSettingTimestamp: 0 },
    ]);
  });

  it("refuses an unknown or expired QR code", async () => {
    const instance = await createInstance(client);
    const phone = nextPhone();
    await client.post("/api/sandbox/phones", { number: phone });
    const qr = (await client.get(`/api/console/instances/${instance.idInstance}/qr`)).json();
    const code = new URL(qr.link).searchParams.get("link");
    harness.clock.advance(20_001);
    const expired = await client.post(`/api/sandbox/phones/${phone}/link`, { code });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().fields).toEqual({ code: "invalid" });
    expect((await client.post(`/api/sandbox/phones/${phone}/link`, { code: "made-up" })).statusCode).toBe(400);
    // A new QR code replaces the old one.
    const fresh = (await client.get(`/api/console/instances/${instance.idInstance}/qr`)).json();
    expect(fresh.link).not.toBe(qr.link);
  });
});

describe("send queue", () => {
  it("keeps messages while the instance is not authorized and sends them in order once it is", async () => {
    const instance = await createInstance(client);
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      ids.push((await send(instance, "sendMessage", { chatId: `${friend}@c.us`, message: text })).json().idMessage);
    }
    await flushSends(harness, 2);
    const queue = (await callApi(harness.app, instance, "GET", "showMessagesQueue")).json();
    expect(queue).toEqual(
      ids.map((id, index) => ({
        messageID: id,
        type: "sendMessage",
        body: { chatId: `${friend}@c.us`, message: ["one", "two", "three"][index] },
      })),
    );
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json()).toEqual({ count: 3 });

    await linkToPhone(harness, client, instance, nextPhone());
    await flushSends(harness, 3);
    const onPhone = (await client.get(`/api/sandbox/phones/${friend}/chats`)).json().chats[0];
    expect(onPhone.unread).toBe(3);
    const texts = (await client.get(`/api/sandbox/phones/${friend}/chats/${onPhone.chatId}/messages`))
      .json()
      .messages.map((m: { text: string }) => m.text);
    expect(texts).toEqual(["one", "two", "three"]);
    expect((await callApi(harness.app, instance, "GET", "showMessagesQueue")).json()).toEqual([]);
  });

  it("spaces sends by delaySendMessagesMilliseconds", async () => {
    const instance = await linkedInstance({ delaySendMessagesMilliseconds: 3000 });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await send(instance, "sendMessage", { chatId: `${friend}@c.us`, message: "first" });
    await send(instance, "sendMessage", { chatId: `${friend}@c.us`, message: "second" });
    await harness.app.messaging.drainWrites();
    await harness.app.messaging.runSendsOnce();
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json().count).toBe(1);
    harness.clock.advance(2999);
    await harness.app.messaging.runSendsOnce();
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json().count).toBe(1);
    harness.clock.advance(1);
    await harness.app.messaging.runSendsOnce();
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json().count).toBe(0);
  });

  it("clearMessagesQueue empties the queue", async () => {
    const instance = await createInstance(client);
    await send(instance, "sendMessage", { chatId: "79001234567@c.us", message: "never" });
    await harness.app.messaging.drainWrites();
    expect((await callApi(harness.app, instance, "GET", "clearMessagesQueue")).json()).toEqual({ isCleared: true });
    expect((await callApi(harness.app, instance, "GET", "showMessagesQueue")).json()).toEqual([]);
  });

  it("keeps queued messages and notifications 24 hours, then drops them", async () => {
    const instance = await linkedInstance({ stateWebhook: "yes" });
    await callApi(harness.app, instance, "GET", "logout");
    await send(instance, "sendMessage", { chatId: "79001234567@c.us", message: "too late" });
    await harness.app.messaging.drainWrites();
    harness.clock.advance(24 * 60 * 60_000 - 1);
    await harness.app.housekeeping();
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json().count).toBe(1);
    expect((await callApi(harness.app, instance, "GET", "getWebhooksCount")).json().count).toBe(1);
    harness.clock.advance(2);
    await harness.app.housekeeping();
    expect((await callApi(harness.app, instance, "GET", "getMessagesCount")).json().count).toBe(0);
    expect((await callApi(harness.app, instance, "GET", "getWebhooksCount")).json().count).toBe(0);
    // A day has passed: the console session has ended too, so the next tests sign in anew.
    ({ client } = await registerPerson(harness.app));
  });
});

describe("state and status changes that cross", () => {
  it("keeps a logout made while the instance was starting, and settles each start once", async () => {
    const instance = await linkedInstance({ stateWebhook: "yes" });
    await callApi(harness.app, instance, "GET", "reboot");
    harness.clock.advance(60_000);
    await Promise.all([harness.app.messaging.settle(), harness.app.messaging.settle()]);
    const states = (await drainNotifications(harness.app, instance)).map((body) => body.stateInstance);
    expect(states).toEqual(["starting", "authorized"]);

    await callApi(harness.app, instance, "GET", "reboot");
    harness.clock.advance(60_000);
    await Promise.all([harness.app.messaging.settle(), callApi(harness.app, instance, "GET", "logout")]);
    await harness.app.messaging.settle();
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).json()).toEqual({ stateInstance: "notAuthorized" });
    expect((await client.get(`/api/console/instances/${instance.idInstance}`)).json().instance.wid).toBe("");
  });

  it("receives what arrives while the instance restarts", async () => {
    const instance = await linkedInstance();
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await callApi(harness.app, instance, "POST", "setSettings", { body: { incomingWebhook: "yes" } });
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).json().stateInstance).toBe("starting");
    await client.post(`/api/sandbox/phones/${friend}/messages`, { chatId: `${instance.phone}@c.us`, text: "during the restart" });
    await settle(harness);
    const seen = await drainNotifications(harness.app, instance);
    expect(seen.map((body) => body.typeWebhook)).toContain("incomingMessageReceived");
    expect((await send(instance, "getChatHistory", { chatId: `${friend}@c.us` })).json()).toHaveLength(1);
  });

  it("moves a status forward only, each step told once and in order, whatever order the reports come in", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "yes" });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const { idMessage } = (await send(alice, "sendMessage", { chatId: "79990000001@c.us", message: "x" })).json();
    await harness.app.messaging.drainWrites();
    // As if handed over and then reported twice at once, read overtaking delivered.
    await harness.database.db.updateTable("message").set({ status: "pending" }).where("id_message", "=", idMessage).execute();
    await Promise.all([
      harness.app.connectorEvents.statusChanged(alice.idInstance, idMessage, "read"),
      harness.app.connectorEvents.statusChanged(alice.idInstance, idMessage, "delivered"),
      harness.app.connectorEvents.statusChanged(alice.idInstance, idMessage, "read"),
    ]);
    const statuses = (await drainNotifications(harness.app, alice))
      .filter((body) => body.idMessage === idMessage)
      .map((body) => body.status);
    expect(statuses).toEqual(["sent", "delivered", "read"]);
    const [entry] = (await callApi(harness.app, alice, "GET", "lastOutgoingMessages")).json();
    expect(entry.statusMessage).toBe("read");
  });

  it("does not send a message cleared from the queue after the queue picked it", async () => {
    const alice = await linkedInstance();
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "never mind" });
    await harness.app.messaging.drainWrites();
    harness.clock.advance(500);
    await Promise.all([harness.app.messaging.runSendsOnce(), callApi(harness.app, alice, "GET", "clearMessagesQueue")]);
    const onPhone = (await client.get(`/api/sandbox/phones/${friend}/chats`)).json().chats;
    const journal = (await callApi(harness.app, alice, "GET", "lastOutgoingMessages")).json();
    // Either it left before the clearing, and both show it, or it never left, and neither does.
    expect(onPhone.length).toBe(journal.length);
  });

  it("answers noAccount for a group or hidden id, which the sandbox does not have", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "yes" });
    const { idMessage } = (await send(alice, "sendMessage", { chatId: "79001234567-1588091580@g.us", message: "hi group" })).json();
    await flushSends(harness);
    const [entry] = (await callApi(harness.app, alice, "GET", "lastOutgoingMessages")).json();
    expect(entry).toMatchObject({ idMessage, statusMessage: "noAccount" });
  });

  it("refuses a phone number of the wrong length with a clear error, never a 500", async () => {
    const instance = await createInstance(client);
    const tooLong = await send(instance, "getAuthorizationCode", { phoneNumber: "1".repeat(30) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toBe("Validation failed. Details: Wrong format. 'phoneNumber' must contain only digits");
    const console = await client.post(`/api/console/instances/${instance.idInstance}/pairing-code`, { phoneNumber: "1".repeat(30) });
    expect(console.statusCode).toBe(400);
    expect(console.json().fields).toEqual({ phoneNumber: "invalid" });
  });

  it("ends waiting long polls when the server closes, instead of holding the shutdown", async () => {
    const other = await buildTestApp();
    try {
      const { client: owner } = await registerPerson(other.app);
      const instance = await createInstance(owner);
      await other.app.listen({ port: 0, host: "127.0.0.1" });
      const address = other.app.server.address() as { port: number };
      const polling = fetch(
        `http://127.0.0.1:${address.port}/waInstance${instance.idInstance}/receiveNotification/${instance.token}?receiveTimeout=60`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await other.app.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await (await polling).text()).toBe("null");
    } finally {
      await other.database.destroy();
      await other.smtp.stop();
    }
  });
});

describe("sends cut short by a crash", () => {
  it("settle as what the network knows: delivered if it arrived; sent again, once, if it never did", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "yes" });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const arrived = (await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "made it" })).json().idMessage;
    await flushSends(harness);
    const lost = (await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "lost" })).json().idMessage;
    await harness.app.messaging.drainWrites();
    await drainNotifications(harness.app, alice);
    // As the process left them when it died: handed over (or about to be), no outcome recorded.
    await harness.database.db
      .updateTable("message")
      .set({ status: "pending", sent_at: harness.clock.now() })
      .where("id_message", "in", [arrived, lost])
      .where("direction", "=", "outgoing")
      .execute();

    expect(await harness.app.messaging.recoverInterruptedSends()).toBe(0);
    harness.clock.advance(60_001);
    expect(await harness.app.messaging.recoverInterruptedSends()).toBe(2);
    // The one that never reached the network is back in the queue, with its idMessage.
    expect((await callApi(harness.app, alice, "GET", "showMessagesQueue")).json()).toEqual([
      expect.objectContaining({ messageID: lost, type: "sendMessage" }),
    ]);
    await flushSends(harness);
    const statuses = Object.fromEntries(
      (await callApi(harness.app, alice, "GET", "lastOutgoingMessages"))
        .json()
        .map((entry: { idMessage: string; statusMessage: string }) => [entry.idMessage, entry.statusMessage]),
    );
    expect(statuses).toEqual({ [arrived]: "delivered", [lost]: "delivered" });
    const onPhone = (await client.get(`/api/sandbox/phones/${friend}/chats/${alice.phone}@c.us/messages`)).json().messages;
    expect(onPhone.map((message: { text: string }) => message.text)).toEqual(["made it", "lost"]);
  });

  it("sends again a message whose sender's copy was written but the recipient's was not", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "yes" });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const idMessage = (await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "half way" })).json().idMessage;
    await flushSends(harness);
    await drainNotifications(harness.app, alice);
    // As a crash between the two copies left it: the sender's phone says delivered, the friend has nothing.
    await harness.database.db
      .deleteFrom("sandbox_message")
      .where("id_message", "=", idMessage)
      .where("phone_number", "=", friend)
      .execute();
    await harness.database.db
      .updateTable("message")
      .set({ status: "pending", sent_at: harness.clock.now() })
      .where("id_message", "=", idMessage)
      .where("direction", "=", "outgoing")
      .execute();

    harness.clock.advance(60_001);
    expect(await harness.app.messaging.recoverInterruptedSends()).toBe(1);
    expect((await callApi(harness.app, alice, "GET", "showMessagesQueue")).json()).toEqual([
      expect.objectContaining({ messageID: idMessage, type: "sendMessage" }),
    ]);
    await flushSends(harness);
    const texts = async (phone: string, peer: string) =>
      (await client.get(`/api/sandbox/phones/${phone}/chats/${peer}@c.us/messages`)).json().messages.map((m: { text: string }) => m.text);
    expect(await texts(friend, alice.phone)).toEqual(["half way"]);
    // The sender's phone keeps one copy, not one per attempt.
    expect(await texts(alice.phone, friend)).toEqual(["half way"]);
    const [outgoing] = (await callApi(harness.app, alice, "GET", "lastOutgoingMessages")).json();
    expect(outgoing).toMatchObject({ idMessage, statusMessage: "delivered" });
  });
});

describe("a queued message whose queue mark was lost", () => {
  it("is found again by the recovery pass and sent", async () => {
    const alice = await linkedInstance({ outgoingWebhook: "no" });
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const { idMessage } = (await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "stranded" })).json();
    await harness.app.messaging.drainWrites();
    // As when a send was stored while the send loop cleared the mark of a queue it found empty.
    await harness.database.db.updateTable("instance").set({ has_queued: 0 }).where("id_instance", "=", alice.idInstance).execute();
    await flushSends(harness);
    expect((await callApi(harness.app, alice, "GET", "getMessagesCount")).json().count).toBe(1);
    await harness.app.messaging.recoverInterruptedSends();
    await flushSends(harness);
    expect((await callApi(harness.app, alice, "GET", "getMessagesCount")).json().count).toBe(0);
    const onPhone = (await client.get(`/api/sandbox/phones/${friend}/chats/${alice.phone}@c.us/messages`)).json().messages;
    expect(onPhone.map((message: { idMessage: string }) => message.idMessage)).toEqual([idMessage]);
  });
});

describe("notification queue", () => {
  it("returns the head until it is deleted, then the next, FIFO", async () => {
    const instance = await linkedInstance({ stateWebhook: "yes" });
    await callApi(harness.app, instance, "GET", "reboot");
    await settle(harness);
    const first = (await callApi(harness.app, instance, "GET", "receiveNotification")).json();
    const again = (await callApi(harness.app, instance, "GET", "receiveNotification")).json();
    expect(again).toEqual(first);
    expect(Number.isInteger(first.receiptId)).toBe(true);
    expect(first.body.stateInstance).toBe("starting");
    expect((await callApi(harness.app, instance, "GET", "getWebhooksCount")).json()).toEqual({ count: 2 });
    expect((await callApi(harness.app, instance, "DELETE", "deleteNotification", { receiptId: first.receiptId })).json()).toEqual({
      result: true,
    });
    expect((await callApi(harness.app, instance, "DELETE", "deleteNotification", { receiptId: first.receiptId })).json()).toEqual({
      result: false,
    });
    const second = (await callApi(harness.app, instance, "GET", "receiveNotification")).json();
    expect(second.receiptId).toBeGreaterThan(first.receiptId);
    expect(second.body.stateInstance).toBe("authorized");
    const notNumber = await callApi(harness.app, instance, "DELETE", "deleteNotification", { receiptId: "abc" });
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.body).toBe("Parameter receiptId must be a Number");
  });

  it("long-polls: answers null after receiveTimeout, and at once when something arrives meanwhile", async () => {
    const instance = await linkedInstance({ stateWebhook: "yes" });
    const started = Date.now();
    const empty = await callApi(harness.app, instance, "GET", "receiveNotification", { query: "receiveTimeout=5" });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe("null");
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);

    const waiting = callApi(harness.app, instance, "GET", "receiveNotification", { query: "receiveTimeout=60" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const beforeReboot = Date.now();
    await callApi(harness.app, instance, "GET", "reboot");
    const arrived = await waiting;
    expect(arrived.json().body.stateInstance).toBe("starting");
    expect(Date.now() - beforeReboot).toBeLessThan(2000);
    for (const bad of ["receiveTimeout=4", "receiveTimeout=61", "receiveTimeout=soon"]) {
      expect((await callApi(harness.app, instance, "GET", "receiveNotification", { query: bad })).statusCode).toBe(400);
    }
  }, 20_000);

  it("clearWebhooksQueue empties it, at most once a minute", async () => {
    const instance = await linkedInstance({ stateWebhook: "yes" });
    await callApi(harness.app, instance, "GET", "reboot");
    expect((await callApi(harness.app, instance, "DELETE", "clearWebhooksQueue")).json()).toEqual({ isCleared: true, reason: "" });
    expect((await callApi(harness.app, instance, "GET", "getWebhooksCount")).json()).toEqual({ count: 0 });
    const again = (await callApi(harness.app, instance, "DELETE", "clearWebhooksQueue")).json();
    expect(again).toEqual({ isCleared: false, reason: "Too many requests", leftTime: 60 });
  });
});

describe("isolation between instances", () => {
  it("never shows one instance's journal, queue or notifications to another", async () => {
    const alice = await linkedInstance();
    const mallory = await linkedInstance();
    const friend = nextPhone();
    await client.post("/api/sandbox/phones", { number: friend });
    const { idMessage } = (await send(alice, "sendMessage", { chatId: `${friend}@c.us`, message: "private" })).json();
    await flushSends(harness);
    expect((await callApi(harness.app, mallory, "GET", "lastOutgoingMessages")).json()).toEqual([]);
    expect((await send(mallory, "getMessage", { chatId: `${friend}@c.us`, idMessage })).statusCode).toBe(400);
    expect((await send(mallory, "getChatHistory", { chatId: `${friend}@c.us` })).json()).toEqual([]);
    expect(await drainNotifications(harness.app, mallory)).toEqual([]);
    const aliceReceipt = (await callApi(harness.app, alice, "GET", "receiveNotification")).json().receiptId;
    expect((await callApi(harness.app, mallory, "DELETE", "deleteNotification", { receiptId: aliceReceipt })).json()).toEqual({
      result: false,
    });
    expect((await callApi(harness.app, alice, "GET", "getWebhooksCount")).json().count).toBeGreaterThan(0);
  });
});
