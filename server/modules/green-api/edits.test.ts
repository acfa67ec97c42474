import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createLinkedTestInstance, drainNotifications, flushSends, settle, type TestInstance } from "../../test/instances.js";

let harness: TestApp;
let client: Client;
let alice: TestInstance & { phone: string };
let bob: TestInstance & { phone: string };

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
  alice = await createLinkedTestInstance(harness, client, "79005550600");
  bob = await createLinkedTestInstance(harness, client, "79005550601");
});
afterAll(async () => {
  await harness.close();
});

const toBob = () => `${bob.phone}@c.us`;
const toAlice = () => `${alice.phone}@c.us`;

/** Alice sends a text to Bob, and both sides take it in. */
async function aliceSends(message: string): Promise<string> {
  const { idMessage } = (await callApi(harness.app, alice, "POST", "sendMessage", { body: { chatId: toBob(), message } })).json();
  harness.clock.advance(60_000);
  await flushSends(harness);
  await drainNotifications(harness.app, alice);
  await drainNotifications(harness.app, bob);
  return idMessage as string;
}

const journalOf = async (instance: TestInstance, chatId: string, idMessage: string) =>
  (await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId, idMessage } })).json() as Record<string, unknown>;
const bobsPhoneShows = async (idMessage: string) =>
  ((await client.get(`/api/sandbox/phones/${bob.phone}/chats/${toAlice()}/messages`)).json().messages as Array<{ idMessage: string }>).find(
    (message) => message.idMessage === idMessage,
  );

describe("editMessage", () => {
  it("changes the text on both sides; the recipient hears editedMessage; the phone shows it edited", async () => {
    const idMessage = await aliceSends("See you at 5");
    const answer = await callApi(harness.app, alice, "POST", "editMessage", {
      body: { chatId: toBob(), idMessage, message: "See you at 6" },
    });
    expect(answer.statusCode).toBe(200);
    const editId = answer.json().idMessage as string;
    expect(editId).toMatch(/^BAE5[0-9A-F]{12}$/);

    const heard = (await drainNotifications(harness.app, bob)).find((body) => body.typeWebhook === "incomingMessageReceived");
    expect(heard).toMatchObject({
      idMessage,
      senderData: { chatId: toAlice(), sender: toAlice() },
      messageData: { typeMessage: "editedMessage", editedMessageData: { textMessage: "See you at 6", stanzaId: idMessage } },
    });
    expect(await journalOf(bob, toAlice(), idMessage)).toMatchObject({
      textMessage: "See you at 6",
      isEdited: true,
      editedMessageId: editId,
    });
    expect(await journalOf(alice, toBob(), idMessage)).toMatchObject({
      textMessage: "See you at 6",
      isEdited: true,
      editedMessageId: editId,
    });
    expect(await bobsPhoneShows(idMessage)).toMatchObject({ text: "See you at 6", isEdited: true, isDeleted: false });
  });

  it("refuses an unknown message, another's message, a message that is not text, and one older than 15 minutes", async () => {
    const refusal = async (body: Record<string, unknown>, instance: TestInstance = alice) => {
      const answer = await callApi(harness.app, instance, "POST", "editMessage", { body: { message: "changed", ...body } });
      return [answer.statusCode, answer.body];
    };
    expect(await refusal({ chatId: toBob(), idMessage: "BAE5000000000000" })).toEqual([400, "message not found"]);
    const mine = await aliceSends("mine");
    expect(await refusal({ chatId: toAlice(), idMessage: mine }, bob)).toEqual([400, "message not found"]);
    const { idMessage: location } = (
      await callApi(harness.app, alice, "POST", "sendLocation", { body: { chatId: toBob(), latitude: 1, longitude: 2 } })
    ).json();
    harness.clock.advance(60_000);
    await flushSends(harness);
    expect(await refusal({ chatId: toBob(), idMessage: location })).toEqual([400, "only text messages can be edited"]);
    const old = await aliceSends("old news");
    harness.clock.advance(15 * 60_000 + 1);
    expect(await refusal({ chatId: toBob(), idMessage: old })).toEqual([400, "a message can be edited only within 15 minutes of sending"]);
    expect(await journalOf(alice, toBob(), old)).toMatchObject({ textMessage: "old news", isEdited: false });
  });
});

describe("deleteMessage", () => {
  it("deletes for everyone by default: the recipient hears deletedMessage, both journals and the phone show it deleted", async () => {
    const idMessage = await aliceSends("oops");
    const answer = await callApi(harness.app, alice, "POST", "deleteMessage", { body: { chatId: toBob(), idMessage } });
    expect([answer.statusCode, answer.body]).toEqual([200, ""]);
    const heard = (await drainNotifications(harness.app, bob)).find((body) => body.typeWebhook === "incomingMessageReceived");
    expect(heard).toMatchObject({ idMessage, messageData: { typeMessage: "deletedMessage", deletedMessageData: { stanzaId: idMessage } } });
    expect(await journalOf(bob, toAlice(), idMessage)).toMatchObject({ isDeleted: true });
    expect(await journalOf(alice, toBob(), idMessage)).toMatchObject({ isDeleted: true });
    expect(await bobsPhoneShows(idMessage)).toMatchObject({ text: "", file: null, isDeleted: true });
  });

  it("deletes only on the sender's side with onlySenderDelete, and a received message only for oneself", async () => {
    const idMessage = await aliceSends("keep it for Bob");
    await callApi(harness.app, alice, "POST", "deleteMessage", { body: { chatId: toBob(), idMessage, onlySenderDelete: true } });
    expect(await journalOf(alice, toBob(), idMessage)).toMatchObject({ isDeleted: true });
    expect(await journalOf(bob, toAlice(), idMessage)).toMatchObject({ isDeleted: false, textMessage: "keep it for Bob" });
    expect(await drainNotifications(harness.app, bob)).toEqual([]);

    const other = await aliceSends("Bob deletes his copy");
    await callApi(harness.app, bob, "POST", "deleteMessage", { body: { chatId: toAlice(), idMessage: other } });
    expect(await journalOf(bob, toAlice(), other)).toMatchObject({ isDeleted: true });
    expect(await journalOf(alice, toBob(), other)).toMatchObject({ isDeleted: false });
    expect(await bobsPhoneShows(other)).toMatchObject({ isDeleted: false });
    const unknown = await callApi(harness.app, alice, "POST", "deleteMessage", {
      body: { chatId: toBob(), idMessage: "BAE5000000000000" },
    });
    expect([unknown.statusCode, unknown.body]).toEqual([400, "message not found"]);
  });

  it("forwards an edited message as a plain one, and neither edits nor forwards a deleted one", async () => {
    const edited = await aliceSends("draft");
    await callApi(harness.app, alice, "POST", "editMessage", { body: { chatId: toBob(), idMessage: edited, message: "final" } });
    const deleted = await aliceSends("gone soon");
    await callApi(harness.app, alice, "POST", "deleteMessage", { body: { chatId: toBob(), idMessage: deleted } });
    const refused = await callApi(harness.app, alice, "POST", "editMessage", {
      body: { chatId: toBob(), idMessage: deleted, message: "back" },
    });
    expect([refused.statusCode, refused.body]).toEqual([400, "message not found"]);
    await drainNotifications(harness.app, bob);

    const forwarded = await callApi(harness.app, alice, "POST", "forwardMessages", {
      body: { chatId: toBob(), chatIdFrom: toBob(), messages: [edited, deleted] },
    });
    const [copy] = forwarded.json().messages as string[];
    harness.clock.advance(60_000);
    await flushSends(harness);
    expect(await journalOf(alice, toBob(), copy!)).toMatchObject({
      textMessage: "final",
      isEdited: false,
      isDeleted: false,
      isForwarded: true,
    });
    const heard = (await drainNotifications(harness.app, bob)).filter((body) => body.typeWebhook === "incomingMessageReceived");
    expect(heard.map((body) => body.idMessage)).toEqual([copy]);
  });

  it("quotes a deleted message as an unknown one, and refuses to change a message while it is being sent", async () => {
    const deleted = await aliceSends("said and unsaid");
    await callApi(harness.app, alice, "POST", "deleteMessage", { body: { chatId: toBob(), idMessage: deleted } });
    const reply = (
      await callApi(harness.app, alice, "POST", "sendMessage", {
        body: { chatId: toBob(), message: "as I said", quotedMessageId: deleted },
      })
    ).json().idMessage as string;
    harness.clock.advance(60_000);
    await flushSends(harness);
    expect(await journalOf(bob, toAlice(), reply)).not.toHaveProperty("quotedMessage");

    const inFlight = await aliceSends("in flight");
    // As the send loop leaves a message while it hands it to the network.
    await harness.database.db.updateTable("message").set({ status: "pending" }).where("id_message", "=", inFlight).execute();
    for (const [method, body] of [
      ["editMessage", { chatId: toBob(), idMessage: inFlight, message: "changed" }],
      ["deleteMessage", { chatId: toBob(), idMessage: inFlight }],
    ] as const) {
      const refused = await callApi(harness.app, alice, "POST", method, { body });
      expect([refused.statusCode, refused.body], method).toEqual([400, "the message is being sent: try again in a moment"]);
    }
  });

  it("tells the owner only when editedMessageWebhook and deletedMessageWebhook are on", async () => {
    await callApi(harness.app, bob, "POST", "setSettings", { body: { editedMessageWebhook: "no", deletedMessageWebhook: "no" } });
    await settle(harness);
    await drainNotifications(harness.app, bob);
    const idMessage = await aliceSends("quietly");
    await callApi(harness.app, alice, "POST", "editMessage", { body: { chatId: toBob(), idMessage, message: "quietly changed" } });
    await callApi(harness.app, alice, "POST", "deleteMessage", { body: { chatId: toBob(), idMessage } });
    expect(await drainNotifications(harness.app, bob)).toEqual([]);
    expect(await journalOf(bob, toAlice(), idMessage)).toMatchObject({ textMessage: "quietly changed", isEdited: true, isDeleted: true });
  });
});
