import { z } from "zod";
import { badRequest, parseOrThrow } from "../green-api.errors.js";
import { phoneOf } from "../../messaging/ids.js";
import { contactNameOf } from "../../messaging/messaging.service.js";
import { EMPTY_ANSWER, requireAuthorized, type MethodHandler } from "../method-context.js";
import { chatId, optional } from "./sending.js";

const chatIdSchema = chatId();
const readChatBody = z.strictObject({ chatId: chatIdSchema, idMessage: z.string().min(1).max(64).optional() });
const chatBody = z.strictObject({ chatId: chatIdSchema });
const phoneBody = z.strictObject({ phoneNumber: z.union([z.number().int(), z.string()]) });
const countQuery = z.object({ count: z.coerce.number().int().min(1).max(10_000).optional() });
/** WhatsApp's choices for disappearing messages: off, a day, a week, 90 days. */
const EPHEMERAL_SECONDS = [0, 86_400, 604_800, 7_776_000] as const;
const disappearingBody = z.strictObject({
  chatId: chatIdSchema,
  ephemeralExpiration: z.number().refine((value) => (EPHEMERAL_SECONDS as readonly number[]).includes(value), {
    message: `'ephemeralExpiration' must be one of [${EPHEMERAL_SECONDS.join(", ")}]`,
  }),
});
const personalChatId = z.string().regex(/^\d{5,20}@c\.us$/, "'chatId' must be one of the next formats: 'phone_number@c.us'");
const contactBody = z.strictObject({
  chatId: personalChatId,
  firstName: z.string().min(1).max(256),
  lastName: optional(z.string().max(256)),
  saveInAddressbook: optional(z.boolean()),
});
const typingBody = z.strictObject({
  chatId: chatIdSchema,
  typingTime: optional(z.number().int().min(1000).max(20_000)),
  typingType: optional(z.enum(["recording"])),
});

export const serviceMethods: Record<string, MethodHandler> = {
  readChat: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId, idMessage } = parseOrThrow(readChatBody, call.body);
    await messaging.readChat(call.instance, chatId, idMessage);
    return { setRead: true };
  },

  checkWhatsapp: async (call, { messaging }) => {
    const { phoneNumber } = parseOrThrow(phoneBody, call.body);
    const digits = String(phoneNumber);
    if (!/^[1-9]\d{9,15}$/.test(digits)) throw badRequest("bad phone number, valid 11 or 12 digits");
    requireAuthorized(call);
    return { existsWhatsapp: await messaging.hasAccount(call.instance, digits) };
  },

  getContacts: async (call, { messaging }) => {
    requireAuthorized(call);
    return messaging.contacts(call.instance);
  },

  getContactInfo: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId } = parseOrThrow(chatBody, call.body);
    if (chatId.endsWith("@g.us")) throw badRequest("Validation failed. Details: The method GetContactInfo does not support group chats");
    const exists = await messaging.hasAccount(call.instance, phoneOf(chatId));
    const settings = await messaging.chatSettingsOf(call.instance, chatId);
    return {
      avatar: "",
      name: exists ? `+${phoneOf(chatId)}` : "",
      contactName: contactNameOf(settings),
      email: "",
      category: "",
      description: "",
      products: [],
      chatId,
      lastSeen: null,
      isArchive: settings.isArchived,
      isDisappearing: settings.ephemeralExpiration > 0,
      isMute: false,
      messageExpiration: settings.ephemeralExpiration,
      muteExpiration: null,
      isBusiness: false,
    };
  },

  getAvatar: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId } = parseOrThrow(chatBody, call.body);
    return { urlAvatar: "", available: chatId.endsWith("@c.us") && (await messaging.hasAccount(call.instance, phoneOf(chatId))) };
  },

  getChats: async (call, { messaging }) => {
    requireAuthorized(call);
    const { count } = parseOrThrow(countQuery, call.query);
    const chats = await messaging.listChats(call.instance, count ?? 10_000);
    const settings = await messaging.chatSettings(call.instance);
    return chats.map(({ chatId }) => {
      const chat = settings.get(chatId);
      return {
        archive: chat?.isArchived ?? false,
        id: chatId,
        name: contactNameOf(chat),
        type: chatId.endsWith("@g.us") ? "group" : "user",
        ephemeralExpiration: chat?.ephemeralExpiration ?? 0,
        ephemeralSettingTimestamp: Math.floor((chat?.ephemeralSetAt ?? 0) / 1000),
      };
    });
  },

  archiveChat: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId } = parseOrThrow(chatBody, call.body);
    if (!(await messaging.setArchived(call.instance, chatId, true))) {
      throw badRequest("ArchiveChatError: cannot archive chat cause last message not found in chat");
    }
    return EMPTY_ANSWER;
  },

  unarchiveChat: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId } = parseOrThrow(chatBody, call.body);
    await messaging.setArchived(call.instance, chatId, false);
    return EMPTY_ANSWER;
  },

  setDisappearingChat: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId, ephemeralExpiration } = parseOrThrow(disappearingBody, call.body);
    await messaging.setDisappearing(call.instance, chatId, ephemeralExpiration);
    return { chatId, disappearingMessagesInChat: ephemeralExpiration > 0, ephemeralExpiration };
  },

  addContact: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId, firstName, lastName } = parseOrThrow(contactBody, call.body);
    await messaging.saveContact(call.instance, chatId, { firstName, lastName: lastName ?? "" });
    return { addContact: true };
  },

  editContact: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId, firstName, lastName } = parseOrThrow(contactBody, call.body);
    await messaging.saveContact(call.instance, chatId, { firstName, lastName: lastName ?? "" });
    return { editContact: true };
  },

  deleteContact: async (call, { messaging }) => {
    requireAuthorized(call);
    const { chatId } = parseOrThrow(z.strictObject({ chatId: personalChatId }), call.body);
    await messaging.saveContact(call.instance, chatId, undefined);
    return { deleteContact: true };
  },

  // Typing shows for a moment on the other side's screen; nothing is kept, and the sandbox shows none yet.
  sendTyping: async (call) => {
    requireAuthorized(call);
    parseOrThrow(typingBody, call.body);
    return EMPTY_ANSWER;
  },
};
