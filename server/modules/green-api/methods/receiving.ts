import { z } from "zod";
import { badRequest, parseOrThrow } from "../green-api.errors.js";
import { journalEntry as journalEntryOf } from "../journal-entry.js";
import type { MethodHandler } from "../method-context.js";

const receiveQuery = z.object({ receiveTimeout: z.coerce.number().int().min(5).max(60).default(5) });
const minutesQuery = z.object({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 30)
    .default(1440),
});
const chatBody = z.strictObject({
  chatId: z.string().min(1),
  count: z.number().int().min(1).max(1000).default(100),
});
const messageBody = z.strictObject({ chatId: z.string().min(1), idMessage: z.string().min(1).max(64) });

/** deleteNotification's receiptId: digits only. */
const RECEIPT_ID = /^\d{1,15}$/;

export const receivingMethods: Record<string, MethodHandler> = {
  receiveNotification: async ({ instance, query, signal }, { messaging }) => {
    // Push and polling exclude each other, as on GREEN-API: with a webhookUrl the queue is pushed.
    if (instance.settings.webhookUrl !== "") {
      throw badRequest(
        `Message cannot be received because custom webhook url is set. Go to cabinet, clear webhook url for instance: ${instance.idInstance} and wait for about 1 minute for another attempt`,
      );
    }
    const { receiveTimeout } = parseOrThrow(receiveQuery, query);
    const notification = await messaging.receiveNotification(instance, receiveTimeout * 1000, signal);
    return notification ? { receiptId: notification.receiptId, body: notification.body } : null;
  },

  deleteNotification: async ({ instance, receiptId }, { messaging }) => {
    if (receiptId === undefined || !RECEIPT_ID.test(receiptId)) throw badRequest("Parameter receiptId must be a Number");
    return { result: await messaging.deleteNotification(instance, Number(receiptId)) };
  },
};

export const journalMethods: Record<string, MethodHandler> = {
  getChatHistory: async ({ instance, body }, { messaging }) => {
    const { chatId, count } = parseOrThrow(chatBody, body);
    return (await messaging.listChat(instance, chatId, count)).map(journalEntryOf);
  },

  getMessage: async ({ instance, body }, { messaging }) => {
    const { chatId, idMessage } = parseOrThrow(messageBody, body);
    const found = await messaging.findMessage(instance, chatId, idMessage);
    if (!found) throw badRequest("message not found");
    return journalEntryOf(found);
  },

  lastIncomingMessages: async ({ instance, query }, { messaging, clock }) => {
    const { minutes } = parseOrThrow(minutesQuery, query);
    return (await messaging.listSince(instance, "incoming", clock.now() - minutes * 60_000)).map(journalEntryOf);
  },

  lastOutgoingMessages: async ({ instance, query }, { messaging, clock }) => {
    const { minutes } = parseOrThrow(minutesQuery, query);
    return (await messaging.listSince(instance, "outgoing", clock.now() - minutes * 60_000)).map(journalEntryOf);
  },
};
