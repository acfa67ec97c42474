import { z } from "zod";
import { badRequest, parseOrThrow } from "../green-api.errors.js";
import { EMPTY_ANSWER, requireAuthorized, type MethodHandler } from "../method-context.js";
import { chatId, optional } from "./sending.js";

const messageIdField = z.string().min(1).max(64);
const editMessageBody = z.strictObject({ chatId: chatId(), idMessage: messageIdField, message: z.string().min(1).max(20_000) });
const deleteMessageBody = z.strictObject({ chatId: chatId(), idMessage: messageIdField, onlySenderDelete: optional(z.boolean()) });

export const editMethods: Record<string, MethodHandler> = {
  editMessage: async (call, { messaging }) => {
    requireAuthorized(call);
    const body = parseOrThrow(editMessageBody, call.body);
    const edited = await messaging.editMessage(call.instance, body.chatId, body.idMessage, body.message);
    if (edited === "not-found") throw badRequest("message not found");
    if (edited === "not-text") throw badRequest("only text messages can be edited");
    if (edited === "too-old") throw badRequest("a message can be edited only within 15 minutes of sending");
    return { idMessage: edited.editId };
  },

  deleteMessage: async (call, { messaging }) => {
    requireAuthorized(call);
    const body = parseOrThrow(deleteMessageBody, call.body);
    if (!(await messaging.deleteMessage(call.instance, body.chatId, body.idMessage, body.onlySenderDelete ?? false))) {
      throw badRequest("message not found");
    }
    return EMPTY_ANSWER;
  },
};
