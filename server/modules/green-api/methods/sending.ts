import { z } from "zod";
import { parseOrThrow } from "../green-api.errors.js";
import { createApiMessageId } from "../../messaging/ids.js";
import { isDeletedMessage, withoutChangeMarks } from "../../messaging/message-changes.js";
import type { OutgoingMessage } from "../../messaging/instance.js";
import type { GreenApiServices, MethodCall, MethodHandler } from "../method-context.js";

/** A chat id of one of GREEN-API's forms, worded as its validator words a wrong one. */
export const chatId = (field = "chatId") =>
  z
    .string()
    .min(1)
    .regex(
      /^(\d{5,20}@c\.us|[\d-]{5,40}@g\.us|\d{5,20}@lid)$/,
      `'${field}' must be one of the next formats: 'phone_number@c.us' or 'group_id@g.us'`,
    );
/** A quoted message's id, worded as GREEN-API's validator words a short one. */
export const messageId = z.string().min(16, "'message id' must be at least 16 symbols").max(64);
/** Optional fields also accept null: the official SDK's typings send null for what is not given. */
export const optional = <Schema extends z.ZodType>(schema: Schema) => schema.nullish().transform((value) => value ?? undefined);

const sendMessageBody = z.strictObject({
  chatId: chatId(),
  message: z.string().min(1).max(20_000),
  quotedMessageId: optional(messageId),
  linkPreview: optional(z.boolean()),
  typePreview: optional(z.enum(["large", "small"])),
  customPreview: optional(z.record(z.string(), z.unknown())),
  typingTime: optional(z.number().int().min(1000).max(20_000)),
});

const sendLocationBody = z.strictObject({
  chatId: chatId(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  nameLocation: optional(z.string().max(1000)),
  address: optional(z.string().max(1000)),
  quotedMessageId: optional(messageId),
});

const sendContactBody = z.strictObject({
  chatId: chatId(),
  contact: z
    .strictObject({
      phoneContact: z.number().int().positive(),
      firstName: optional(z.string().max(256)),
      middleName: optional(z.string().max(256)),
      lastName: optional(z.string().max(256)),
      company: optional(z.string().max(256)),
    })
    .refine((contact) => [contact.firstName, contact.middleName, contact.lastName, contact.company].some(Boolean), {
      message: "'contact' must contain at least one of [firstName, middleName, lastName, company]",
    }),
  quotedMessageId: optional(messageId),
});

const sendPollBody = z.strictObject({
  chatId: chatId(),
  message: z.string().min(1).max(255),
  options: z
    .array(z.strictObject({ optionName: z.string().min(1).max(100) }))
    .min(2)
    .max(12)
    .refine((options) => new Set(options.map((option) => option.optionName)).size === options.length, {
      message: "'options' must contain unique values",
    }),
  multipleAnswers: optional(z.boolean()),
  quotedMessageId: optional(messageId),
});

const forwardMessagesBody = z.strictObject({
  chatId: chatId(),
  chatIdFrom: chatId("chatIdFrom"),
  messages: z.array(z.string().min(1).max(64)).min(1).max(100),
  typingTime: optional(z.number().int().min(1000).max(20_000)),
});

/** A message's notification fields marked forwarded, inside its type's data object too (fileMessageData…), where GREEN-API puts them. */
function markForwarded(messageData: Record<string, unknown>, forwarded: Record<string, unknown>): Record<string, unknown> {
  const marked: Record<string, unknown> = { ...messageData, ...forwarded };
  for (const [key, value] of Object.entries(messageData)) {
    if (key.endsWith("MessageData") && typeof value === "object" && value !== null) marked[key] = { ...value, ...forwarded };
  }
  return marked;
}

/** The quoted message, as receivers see it, when the journal knows it. */
export async function quoted(call: MethodCall, services: GreenApiServices, chat: string, quotedMessageId: string | undefined) {
  if (!quotedMessageId) return {};
  const original = await services.messaging.findMessage(call.instance, chat, quotedMessageId);
  // A deleted message quotes as an unknown one: what it said is not carried on.
  if (!original || isDeletedMessage(original.journal)) return {};
  const quotedMessage = {
    stanzaId: quotedMessageId,
    participant: original.direction === "incoming" ? original.senderId : call.instance.wid,
    typeMessage: original.typeMessage,
    ...withoutChangeMarks(original.journal),
  };
  return { quotedMessage };
}

export const sendingMethods: Record<string, MethodHandler> = {
  sendMessage: async (call, services) => {
    const body = parseOrThrow(sendMessageBody, call.body);
    const quote = await quoted(call, services, body.chatId, body.quotedMessageId);
    const idMessage = await services.messaging.queueSend(call.instance, {
      sendMethod: "sendMessage",
      chatId: body.chatId,
      typeMessage: "textMessage",
      journal: { textMessage: body.message, ...quote },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: body.message }, ...quote },
      request: body,
    });
    return { idMessage };
  },

  sendLocation: async (call, services) => {
    const body = parseOrThrow(sendLocationBody, call.body);
    const location = {
      nameLocation: body.nameLocation ?? "",
      address: body.address ?? "",
      latitude: body.latitude,
      longitude: body.longitude,
      jpegThumbnail: "",
    };
    const idMessage = await services.messaging.queueSend(call.instance, {
      sendMethod: "sendLocation",
      chatId: body.chatId,
      typeMessage: "locationMessage",
      journal: { location },
      messageData: { typeMessage: "locationMessage", locationMessageData: location },
      request: body,
    });
    return { idMessage };
  },

  sendContact: async (call, services) => {
    const body = parseOrThrow(sendContactBody, call.body);
    const { phoneContact, firstName = "", middleName = "", lastName = "", company = "" } = body.contact;
    const displayName = [firstName, middleName, lastName].filter(Boolean).join(" ") || company;
    const vcard = [
      "BEGIN:VCARD",
      "VERSION:3.0",
      `N:${lastName};${firstName};${middleName};;`,
      `FN:${displayName}`,
      ...(company ? [`ORG:${company};`] : []),
      `TEL;type=CELL;type=VOICE;waid=${phoneContact}:+${phoneContact}`,
      "END:VCARD",
    ].join("\n");
    const contact = { displayName, vcard };
    const idMessage = await services.messaging.queueSend(call.instance, {
      sendMethod: "sendContact",
      chatId: body.chatId,
      typeMessage: "contactMessage",
      journal: { contact },
      messageData: { typeMessage: "contactMessage", contactMessageData: contact },
      request: body,
    });
    return { idMessage };
  },

  sendPoll: async (call, services) => {
    const body = parseOrThrow(sendPollBody, call.body);
    const poll = { name: body.message, options: body.options, multipleAnswers: body.multipleAnswers ?? false };
    const idMessage = await services.messaging.queueSend(call.instance, {
      sendMethod: "sendPoll",
      chatId: body.chatId,
      typeMessage: "pollMessage",
      journal: { pollMessageData: poll },
      messageData: { typeMessage: "pollMessage", pollMessageData: poll },
      request: body,
    });
    return { idMessage };
  },

  forwardMessages: async (call, services) => {
    const body = parseOrThrow(forwardMessagesBody, call.body);
    const forwards: OutgoingMessage[] = [];
    const messages: Array<number | string> = [];
    for (const original of body.messages) {
      const found = await services.messaging.findMessage(call.instance, body.chatIdFrom, original);
      // A deleted message is gone: forwarding it is forwarding nothing.
      if (!found || isDeletedMessage(found.journal)) {
        // As GREEN-API: an unknown id still gets an id back, but nothing is delivered.
        messages.push(createApiMessageId());
        continue;
      }
      const forwarded = { forwardingScore: 1, isForwarded: true };
      messages.push(forwards.length);
      forwards.push({
        sendMethod: "ForwardMessages",
        chatId: body.chatId,
        typeMessage: found.typeMessage,
        journal: { ...withoutChangeMarks(found.journal), ...forwarded },
        messageData: markForwarded(found.messageData, forwarded),
        request: body,
        // A forwarded file is the same file: its recipients get copies of it, as of any file.
        ...(found.file ? { file: found.file } : {}),
      });
    }
    // Stored together, in one transaction: all or none.
    const queued = await services.messaging.queueSends(call.instance, forwards);
    return { messages: messages.map((entry) => (typeof entry === "number" ? queued[entry]! : entry)) };
  },
};
