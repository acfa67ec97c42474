/**
 * The official GREEN-API JavaScript client (@green-api/whatsapp-api-client),
 * used exactly as its users do, against this server listening on a real port:
 * two instances linked to two sandbox phones message each other through the
 * SDK's own calls only. Runs on the suite's database (SQLite or PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Inbox,
  startSdkServer,
  waitUntilAuthorized,
  type NotificationBody as Body,
  type SdkApi,
  type SdkServer,
} from "../test/sdk-server.js";

const PHONE_P = "79001110001";
const PHONE_Q = "79001110002";
const chat = (number: string) => `${number}@c.us`;

let server: SdkServer;
let origin: string;
let apiA: SdkApi;
let apiB: SdkApi;
let idA: number;
let idB: number;
let tokenB: string;
let inboxA: Inbox;
let inboxB: Inbox;

beforeAll(async () => {
  server = await startSdkServer("sdk", [PHONE_P, PHONE_Q]);
  ({ origin } = server);
  ({ api: apiA, idInstance: idA } = server.a);
  ({ api: apiB, idInstance: idB, apiTokenInstance: tokenB } = server.b);
  inboxA = new Inbox("A", apiA);
  inboxB = new Inbox("B", apiB);
}, 30_000);

afterAll(async () => {
  await server?.close();
});

describe("the official GREEN-API JS client against Switchboard", () => {
  it("sets settings and sees both instances authorized", async () => {
    const flags = {
      incomingWebhook: "yes",
      outgoingWebhook: "yes",
      outgoingAPIMessageWebhook: "yes",
      stateWebhook: "yes",
      pollMessageWebhook: "yes",
    } as const;
    expect(await apiA.settings.setSettings(flags)).toEqual({ saveSettings: true });
    expect(await apiB.settings.setSettings(flags)).toEqual({ saveSettings: true });
    await Promise.all([waitUntilAuthorized(apiA), waitUntilAuthorized(apiB)]);
    const settings = await apiA.settings.getSettings();
    expect(settings).toMatchObject({ ...flags, wid: chat(PHONE_P) });
  }, 60_000);

  let hello = "";
  it("A sends a text; B receives it, A gets sent and delivered", async () => {
    const sent = await apiA.message.sendMessage(chat(PHONE_Q), null, "hello");
    expect(sent.idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    hello = sent.idMessage;

    const incoming = await inboxB.waitFor(
      "incoming hello",
      (body) => body.typeWebhook === "incomingMessageReceived" && body.idMessage === hello,
    );
    expect(incoming.instanceData).toEqual({ idInstance: idB, wid: chat(PHONE_Q), typeInstance: "whatsapp" });
    expect(incoming.senderData).toMatchObject({ chatId: chat(PHONE_P), sender: chat(PHONE_P) });
    expect(incoming.messageData).toMatchObject({ typeMessage: "textMessage", textMessageData: { textMessage: "hello" } });

    await inboxA.waitFor(
      "delivered",
      (body) => body.typeWebhook === "outgoingMessageStatus" && body.idMessage === hello && body.status === "delivered",
    );
    expect(inboxA.statusesOf(hello)).toEqual(["sent", "delivered"]);
    const status = inboxA.seen.find((body) => body.typeWebhook === "outgoingMessageStatus" && body.idMessage === hello);
    expect(status).toMatchObject({ chatId: chat(PHONE_Q), sendByApi: true, instanceData: { idInstance: idA } });
    const echo = inboxA.seen.find((body) => body.typeWebhook === "outgoingAPIMessageReceived" && body.idMessage === hello);
    expect(echo?.messageData).toMatchObject({ typeMessage: "textMessage", textMessageData: { textMessage: "hello" } });
  }, 60_000);

  let reply = "";
  it("B replies; A receives it; B reads the chat and A sees read", async () => {
    reply = (await apiB.message.sendMessage(chat(PHONE_P), null, "hi back")).idMessage;
    const incoming = await inboxA.waitFor(
      "incoming reply",
      (body) => body.typeWebhook === "incomingMessageReceived" && body.idMessage === reply,
    );
    expect(incoming.senderData).toMatchObject({ chatId: chat(PHONE_Q), sender: chat(PHONE_Q) });
    expect(incoming.messageData?.textMessageData?.textMessage).toBe("hi back");

    expect(await apiB.message.readChat(chat(PHONE_P), null)).toEqual({ setRead: true });
    await inboxA.waitFor(
      "read",
      (body) => body.typeWebhook === "outgoingMessageStatus" && body.idMessage === hello && body.status === "read",
    );
    expect(inboxA.statusesOf(hello)).toEqual(["sent", "delivered", "read"]);
  }, 60_000);

  it("journals, queue and state history answer arrays the SDK can map", async () => {
    const outgoing = await apiA.message.lastOutgoingMessages();
    expect(Array.isArray(outgoing)).toBe(true);
    expect(outgoing.find((message) => message.idMessage === hello)).toMatchObject({
      chatId: chat(PHONE_Q),
      typeMessage: "textMessage",
      textMessage: "hello",
      statusMessage: "read",
    });
    const incomingA = await apiA.message.lastIncomingMessages();
    expect(incomingA.map((message) => message.idMessage)).toContain(reply);
    const incomingB = await apiB.message.lastIncomingMessages();
    expect(incomingB.map((message) => message.idMessage)).toContain(hello);

    const history = await apiA.message.getChatHistory(chat(PHONE_Q), 10);
    const ids = history.map((message) => message.idMessage);
    expect(ids).toContain(hello);
    expect(ids).toContain(reply);
    // Newest first.
    expect(ids.indexOf(reply)).toBeLessThan(ids.indexOf(hello));

    const queue = await apiA.message.showMessagesQueue();
    expect(Array.isArray(queue)).toBe(true);

    // 0.4.4, the newest release on npm, has no getStateInstanceHistory; users call the URL as the SDK builds it.
    const response = await fetch(`${origin}/waInstance${idB}/getStateInstanceHistory/${tokenB}`);
    expect(response.status).toBe(200);
    const history2 = (await response.json()) as Array<{ stateInstance: string; timestamp: number; phoneNumber: string }>;
    expect(Array.isArray(history2)).toBe(true);
    expect(history2).toContainEqual(expect.objectContaining({ stateInstance: "authorized", phoneNumber: PHONE_Q }));
  }, 30_000);

  it("location, contact and poll arrive at B with their typeMessage and data", async () => {
    const location = await apiA.message.sendLocation(chat(PHONE_Q), null, "Office", "1 Main St", 51.5074, -0.1278);
    const contact = await apiA.message.sendContact(chat(PHONE_Q), null, {
      phoneContact: 79001234568,
      firstName: "Ada",
      middleName: undefined,
      lastName: "Lovelace",
      company: undefined,
    });
    const poll = await apiA.message.sendPoll(chat(PHONE_Q), null, "Which colour?", [{ optionName: "green" }, { optionName: "red" }], false);
    for (const id of [location.idMessage, contact.idMessage, poll.idMessage]) expect(id).toMatch(/^BAE5[0-9A-F]{12}$/);

    const arrived = (id: string) => (body: Body) => body.typeWebhook === "incomingMessageReceived" && body.idMessage === id;
    expect((await inboxB.waitFor("location", arrived(location.idMessage))).messageData).toMatchObject({
      typeMessage: "locationMessage",
      locationMessageData: { nameLocation: "Office", address: "1 Main St", latitude: 51.5074, longitude: -0.1278 },
    });
    const contactData = (await inboxB.waitFor("contact", arrived(contact.idMessage))).messageData;
    expect(contactData?.typeMessage).toBe("contactMessage");
    expect(contactData?.contactMessageData?.displayName).toBe("Ada Lovelace");
    expect(contactData?.contactMessageData?.vcard).toContain("waid=79001234568:+79001234568");
    expect((await inboxB.waitFor("poll", arrived(poll.idMessage))).messageData).toMatchObject({
      typeMessage: "pollMessage",
      pollMessageData: { name: "Which colour?", options: [{ optionName: "green" }, { optionName: "red" }], multipleAnswers: false },
    });
  }, 60_000);

  it("receiveNotification answers null once the queue is empty", async () => {
    // Drain what is left (statuses of B's reply…); the SDK's polling loop stops on a falsy answer.
    let last: Body | null = { typeWebhook: "start" };
    for (let round = 0; round < 30 && last !== null; round++) last = await inboxB.takeOne();
    expect(last).toBeNull();
  }, 60_000);
});
