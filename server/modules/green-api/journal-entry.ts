import type { StoredMessage } from "../messaging/instance.js";

/** A journal entry exactly as getChatHistory, getMessage and last*Messages answer it. */
export function journalEntry(message: StoredMessage): Record<string, unknown> {
  const common = {
    type: message.direction,
    idMessage: message.idMessage,
    timestamp: Math.floor(message.createdAt / 1000),
    typeMessage: message.typeMessage,
    chatId: message.chatId,
    ...message.journal,
  };
  const flags = { deletedMessageId: "", editedMessageId: "", isEdited: false, isDeleted: false };
  if (message.direction === "outgoing") {
    return { ...common, statusMessage: message.status, sendByApi: message.sendByApi, ...flags };
  }
  return {
    ...common,
    senderId: message.senderId,
    senderName: message.senderName,
    senderContactName: "",
    ...flags,
  };
}
