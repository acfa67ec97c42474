import { z } from "zod";
import { badRequest, notAuthorizedInstance, parseOrThrow } from "../green-api.errors.js";
import { phoneOf } from "../../messaging/ids.js";
import type { MethodCall, MethodHandler } from "../method-context.js";
import { chatId } from "./sending.js";

const chatIdSchema = chatId();
const readChatBody = z.strictObject({ chatId: chatIdSchema, idMessage: z.string().min(1).max(64).optional() });
const chatBody = z.strictObject({ chatId: chatIdSchema });
const phoneBody = z.strictObject({ phoneNumber: z.union([z.number().int(), z.string()]) });
const countQuery = z.object({ count: z.coerce.number().int().min(1).max(10_000).optional() });

/** Methods that need the phone: GREEN-API refuses them until the instance is authorized. */
function requireAuthorized(call: MethodCall): void {
  if (call.instance.state !== "authorized") throw notAuthorizedInstance();
}

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
    return {
      avatar: "",
      name: exists ? `+${phoneOf(chatId)}` : "",
      contactName: "",
      email: "",
      category: "",
      description: "",
      products: [],
      chatId,
      lastSeen: null,
      isArchive: false,
      isDisappearing: false,
      isMute: false,
      messageExpiration: 0,
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
    return chats.map(({ chatId }) => ({
      archive: false,
      id: chatId,
      name: "",
      type: chatId.endsWith("@g.us") ? "group" : "user",
      ephemeralExpiration: 0,
      ephemeralSettingTimestamp: 0,
    }));
  },
};
