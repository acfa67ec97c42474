import type { MessageFile, NetworkMessage } from "../../connectors/connector.js";
import { messageTypeOf } from "../media/file-types.js";

/** What GREEN-API puts in place of a file's link when the file could not be kept. */
export const FILE_UNAVAILABLE = "{{SWE002}}";

/** Only what a message keeps of a file (a media file carries more: its hash, its expiry). */
function messageFileOf(file: MessageFile): MessageFile {
  return { id: file.id, fileName: file.fileName, mimeType: file.mimeType, size: file.size, url: file.url };
}

/** A file message's type, journal fields and notification fields, in GREEN-API's shapes. */
export function fileMessageContent(
  file: MessageFile,
  caption: string,
): Pick<NetworkMessage, "typeMessage" | "journal" | "messageData" | "file"> {
  const typeMessage = messageTypeOf(file.mimeType);
  // No thumbnail is made: GREEN-API also leaves it empty for files it could not preview.
  const fields = { downloadUrl: file.url, caption, fileName: file.fileName, jpegThumbnail: "", mimeType: file.mimeType };
  return {
    typeMessage,
    journal: fields,
    messageData: { typeMessage, fileMessageData: { ...fields, forwardingScore: 0, isForwarded: false } },
    file: messageFileOf(file),
  };
}

/**
 * The same message with another copy of its file (the receiving instance's own), or with
 * GREEN-API's marker when no copy could be made: every link in it points at that copy.
 */
export function withFileCopy(message: NetworkMessage, copy: MessageFile | undefined): NetworkMessage {
  const downloadUrl = copy?.url ?? FILE_UNAVAILABLE;
  const fileMessageData = message.messageData.fileMessageData as Record<string, unknown> | undefined;
  const { file: _original, ...rest } = message;
  return {
    ...rest,
    journal: { ...message.journal, downloadUrl },
    messageData: { ...message.messageData, ...(fileMessageData ? { fileMessageData: { ...fileMessageData, downloadUrl } } : {}) },
    ...(copy ? { file: messageFileOf(copy) } : {}),
  };
}
