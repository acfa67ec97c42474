import { z } from "zod";
import { badRequest, parseOrThrow } from "../green-api.errors.js";
import { EMPTY_ANSWER, requireAuthorized, type MethodHandler } from "../method-context.js";
import { chatId, optional } from "./sending.js";

const BEING_SENT = "the message is being sent: try again in a moment";
const messageIdField = z.string().min(1).max(64);
const editMessageBody = z.strictObject({ chatId: chatId(), idMessage: messageIdField, message: z.string().min(1).max(20_000) });
const deleteMessageBody = z.strictObject({ chatId: chatId(), idMessage: messageIdField, onlySenderDelete: optional(z.boolean()) });

export const editMethods: Record<string, MethodHandler> = {
  editMessage: async (call, { messaging }) => {
    requireAuthorized(call);
    const body = parseOrThrow(editMessageBody, call.body);
    const edited = await messaging.editMessage(call.instance, body.chatId, body.idMessage, body.message);
    if (edited === "not-found") throw badRequest("message not found");
    if (edited === "being-sent") throw badRequest(BEING_SENT);
    if (edited === "not-text") throw badRequest("only text messages can be edited");
    if (edited === "too-old") throw badRequest("a message can be edited only within 15 minutes of sending");
    return { idMessage: edited.editId };
  },

  deleteMessage: async (call, { messaging }) => {
    requireAuthorized(call);
    const body = parseOrThrow(deleteMessageBody, call.body);
    const deleted = await messaging.deleteMessage(call.instance, body.chatId, body.idMessage, body.onlySenderDelete ?? false);
    if (deleted === "not-found") throw badRequest("message not found");
    if (deleted === "being-sent") throw badRequest(BEING_SENT);
    return EMPTY_ANSWER;
  },
};
