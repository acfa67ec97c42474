import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createLinkedTestInstance, drainNotifications, flushSends, type TestInstance } from "../../test/instances.js";

let harness: TestApp;
let client: Client;
let sender: TestInstance & { phone: string };
let receiver: TestInstance & { phone: string };

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
  sender = await createLinkedTestInstance(harness, client, "79005550500");
  receiver = await createLinkedTestInstance(harness, client, "79005550501");
});
afterAll(async () => {
  await harness.close();
});

const send = (method: string, body: Record<string, unknown>) =>
  callApi(harness.app, sender, "POST", method, { body: { chatId: `${receiver.phone}@c.us`, ...body } });

/** What the receiving instance is told, and what its phone shows, of the message sent last. */
async function delivered(idMessage: string) {
  harness.clock.advance(60_000);
  await flushSends(harness);
  const received = (await drainNotifications(harness.app, receiver)).find(
    (body) => body.typeWebhook === "incomingMessageReceived" && body.idMessage === idMessage,
  );
  const onPhone = (await client.get(`/api/sandbox/phones/${receiver.phone}/chats/${sender.phone}@c.us/messages`)).json().messages;
  return {
    messageData: received?.messageData,
    shown: onPhone.find((message: { idMessage: string }) => message.idMessage === idMessage)?.text,
  };
}

describe("messages with buttons, lists and links", () => {
  it("sends interactive buttons and their reply form under their GREEN-API types", async () => {
    const buttons = [
      { type: "copy", buttonId: "1", buttonText: "Copy the code", copyCode: "1042" },
      { type: "call", buttonId: "2", buttonText: "Call us", phoneNumber: "+79001234567" },
      { type: "url", buttonId: "3", buttonText: "Track", url: "https://example.com/1042" },
    ];
    const answer = await send("sendInteractiveButtons", { header: "Order 1042", body: "Ready", footer: "Thanks", buttons });
    expect(answer.json().idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    expect(await delivered(answer.json().idMessage)).toEqual({
      messageData: {
        typeMessage: "interactiveButtons",
        interactiveButtons: { titleText: "Order 1042", contentText: "Ready", footerText: "Thanks", buttons },
      },
      shown: "🔘 Ready — [Copy the code] [Call us] [Track]",
    });

    const reply = await send("sendInteractiveButtonsReply", { body: "Arrived?", buttons: [{ buttonId: "y", buttonText: "Yes" }] });
    expect((await delivered(reply.json().idMessage)).messageData).toEqual({
      typeMessage: "interactiveButtonsReply",
      interactiveButtonsReply: { titleText: "", contentText: "Arrived?", footerText: "", buttons: [{ buttonId: "y", buttonText: "Yes" }] },
    });
  });

  it("accepts the legacy buttons, template buttons and lists", async () => {
    // The SDK's typings send null for what is not given.
    const buttons = await send("sendButtons", {
      message: "Choose",
      buttons: [
        { buttonId: null, buttonText: "One" },
        { buttonId: 7, buttonText: "Two" },
      ],
    });
    expect(await delivered(buttons.json().idMessage)).toMatchObject({
      messageData: {
        typeMessage: "buttonsMessage",
        buttonsMessage: {
          contentText: "Choose",
          footer: "",
          buttons: [
            { buttonId: "1", buttonText: "One" },
            { buttonId: "7", buttonText: "Two" },
          ],
        },
      },
      shown: "🔘 Choose — [One] [Two]",
    });
    const template = await send("sendTemplateButtons", {
      message: "Contact us",
      templateButtons: [{ index: 1, urlButton: { displayText: "Site", url: "https://example.com/" } }],
    });
    expect(await delivered(template.json().idMessage)).toMatchObject({
      messageData: { typeMessage: "templateMessage" },
      shown: "🔘 Contact us — [Site]",
    });
    const list = await send("sendListMessage", {
      message: "Pick a size",
      buttonText: "Sizes",
      sections: [{ title: "Shirts", rows: [{ rowId: "s", title: "Small" }] }],
    });
    expect(await delivered(list.json().idMessage)).toMatchObject({
      messageData: { typeMessage: "listMessage", listMessage: { contentText: "Pick a size", buttonText: "Sizes" } },
      shown: "📋 Pick a size — [Sizes]",
    });
  });

  it("sends a link as text with a preview, listed in the queue as sendLink", async () => {
    const answer = await send("sendLink", { urlLink: "https://example.com/docs" });
    const queue = (await callApi(harness.app, sender, "GET", "showMessagesQueue")).json();
    expect(queue).toEqual([
      {
        messageID: answer.json().idMessage,
        type: "sendLink",
        body: { chatId: `${receiver.phone}@c.us`, urlLink: "https://example.com/docs" },
      },
    ]);
    expect(await delivered(answer.json().idMessage)).toMatchObject({
      messageData: { typeMessage: "extendedTextMessage", extendedTextMessageData: { text: "https://example.com/docs" } },
      shown: "https://example.com/docs",
    });
  });

  it("answers GREEN-API's validation errors and queues nothing", async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        "sendInteractiveButtons",
        { buttons: [{ type: "copy", buttonText: "x", copyCode: "1" }] },
        "Validation failed. Details: 'body' is required",
      ],
      [
        "sendInteractiveButtons",
        { body: "x", buttons: Array(4).fill({ type: "copy", buttonText: "x", copyCode: "1" }) },
        "Validation failed. Details: 'buttons' must contain less than or equal to 3 items",
      ],
      [
        "sendInteractiveButtonsReply",
        { body: "x", buttons: [{ buttonText: "x".repeat(26) }] },
        "Validation failed. Details: 'buttons.0.buttonText' length must be less than or equal to 25 characters long",
      ],
      ["sendLink", { urlLink: "not a link" }, "Validation failed. Details: 'urlLink' must be a valid uri"],
      [
        "sendTemplateButtons",
        { message: "x", templateButtons: [{ index: 1 }] },
        "Validation failed. Details: 'templateButtons' items must have one of [urlButton, callButton, quickReplyButton]",
      ],
      [
        "sendListMessage",
        { message: "x", buttonText: "b", sections: [] },
        "Validation failed. Details: 'sections' must contain at least 1 items",
      ],
    ];
    for (const [method, body, text] of cases) {
      const answer = await send(method, body);
      expect([answer.statusCode, answer.body], method).toEqual([400, text]);
    }
    expect((await callApi(harness.app, sender, "GET", "showMessagesQueue")).json()).toEqual([]);
  });
});
