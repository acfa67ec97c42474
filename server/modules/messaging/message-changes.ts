/** How a journaled message's fields change when it is edited or deleted for everyone. */

interface Content {
  journal: Record<string, unknown>;
  messageData: Record<string, unknown>;
}

/** Text messages only can be edited, as on WhatsApp. */
export const EDITABLE_TYPES: ReadonlySet<string> = new Set(["textMessage", "extendedTextMessage"]);

/** The message with its new text, wherever its type keeps the text, marked edited by `editId`. */
export function editedContent(content: Content, text: string, editId: string): Content {
  const { journal, messageData } = content;
  const extended = journal.extendedTextMessage as Record<string, unknown> | undefined;
  const textData = messageData.textMessageData as Record<string, unknown> | undefined;
  const extendedData = messageData.extendedTextMessageData as Record<string, unknown> | undefined;
  return {
    journal: {
      ...journal,
      textMessage: text,
      ...(extended ? { extendedTextMessage: { ...extended, text } } : {}),
      isEdited: true,
      editedMessageId: editId,
    },
    messageData: {
      ...messageData,
      ...(textData ? { textMessageData: { ...textData, textMessage: text } } : {}),
      ...(extendedData ? { extendedTextMessageData: { ...extendedData, text } } : {}),
    },
  };
}

/** The message marked deleted; its journal keeps what it said, as GREEN-API's journals do. */
export function deletedContent(content: Content, idMessage: string): Content {
  return { ...content, journal: { ...content.journal, isDeleted: true, deletedMessageId: idMessage } };
}

/** The notification fields of an edit (typeMessage editedMessage). */
export function editedMessageData(text: string, idMessage: string): Record<string, unknown> {
  return { typeMessage: "editedMessage", editedMessageData: { textMessage: text, stanzaId: idMessage } };
}

/** The notification fields of a deletion for everyone (typeMessage deletedMessage). */
export function deletedMessageData(idMessage: string): Record<string, unknown> {
  return { typeMessage: "deletedMessage", deletedMessageData: { stanzaId: idMessage } };
}

const CHANGE_MARKS = ["isEdited", "editedMessageId", "isDeleted", "deletedMessageId"];

/** A message's journal fields without what edits and deletions marked on it: what a quote or a forward carries. */
export function withoutChangeMarks(journal: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(journal).filter(([key]) => !CHANGE_MARKS.includes(key)));
}

/** Whether the message was deleted for everyone or for its owner: nothing of it can be sent on. */
export function isDeletedMessage(journal: Record<string, unknown>): boolean {
  return journal.isDeleted === true;
}
