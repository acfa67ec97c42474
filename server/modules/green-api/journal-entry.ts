import type { StoredMessage } from "../messaging/instance.js";

/** A journal entry exactly as getChatHistory, getMessage and last*Messages answer it. */
export function journalEntry(message: StoredMessage): Record<string, unknown> {
  // Edits and deletions write their own flags into the journal fields.
  const flags = { deletedMessageId: "", editedMessageId: "", isEdited: false, isDeleted: false, ...pickFlags(message.journal) };
  const common = {
    type: message.direction,
    idMessage: message.idMessage,
    timestamp: Math.floor(message.createdAt / 1000),
    typeMessage: message.typeMessage,
    chatId: message.chatId,
    ...message.journal,
  };
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

function pickFlags(journal: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const key of ["deletedMessageId", "editedMessageId", "isEdited", "isDeleted"]) if (key in journal) flags[key] = journal[key];
  return flags;
}
