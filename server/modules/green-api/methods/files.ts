import { z } from "zod";
import { parseOrThrow, badRequest, validationFailed } from "../green-api.errors.js";
import { fileMessageContent } from "../../messaging/file-message.js";
import type { MediaFile } from "../../media/media.service.js";
import type { MethodCall, MethodHandler, GreenApiServices } from "../method-context.js";
import { fileProblem } from "../uploads.js";
import { chatId, messageId, optional, quoted } from "./sending.js";

const caption = z.string().max(20_000);
const fileName = z.string().min(1).max(255);

/** Multipart fields are text: every one is a string here. */
const sendFileByUploadFields = z.strictObject({
  chatId: chatId(),
  fileName: optional(fileName),
  caption: optional(caption),
  quotedMessageId: optional(messageId),
});

const sendFileByUrlBody = z.strictObject({
  chatId: chatId(),
  urlFile: z.string().min(1).max(4096).url("'urlFile' must be a valid uri"),
  fileName,
  caption: optional(caption),
  quotedMessageId: optional(messageId),
  typingTime: optional(z.number().int().min(1000).max(20_000)),
  typingType: optional(z.string().max(32)),
  archiveChat: optional(z.boolean()),
});

const downloadFileBody = z.strictObject({
  chatId: chatId(),
  idMessage: z.string().min(1).max(64),
});

function requireUpload(call: MethodCall): MediaFile {
  if (!call.upload) throw validationFailed("'file' is required");
  return call.upload;
}

/** Queues a file message; showMessagesQueue lists it as GREEN-API does, as sendFileByUrl with its link. */
async function queueFile(
  call: MethodCall,
  services: GreenApiServices,
  request: { chatId: string; caption?: string | undefined; quotedMessageId?: string | undefined },
  file: MediaFile,
): Promise<string> {
  const quote = await quoted(call, services, request.chatId, request.quotedMessageId);
  const content = fileMessageContent(file, request.caption ?? "");
  return services.messaging.queueSend(call.instance, {
    sendMethod: "sendFileByUrl",
    chatId: request.chatId,
    ...content,
    journal: { ...content.journal, ...quote },
    messageData: { ...content.messageData, ...quote },
    request: {
      chatId: request.chatId,
      fileName: file.fileName,
      caption: request.caption ?? "",
      archive: false,
      urlFile: file.url,
      ...(request.quotedMessageId ? { quotedMessageId: request.quotedMessageId } : {}),
    },
  });
}

export const fileMethods: Record<string, MethodHandler> = {
  sendFileByUpload: async (call, services) => {
    const fields = parseOrThrow(sendFileByUploadFields, call.body);
    let file = requireUpload(call);
    // The fileName field names the file in the chat; the part's own name only when it is missing.
    if (fields.fileName) file = (await services.media.rename(file.id, fields.fileName)) ?? file;
    const idMessage = await queueFile(call, services, fields, file);
    return { idMessage, urlFile: file.url };
  },

  sendFileByUrl: async (call, services) => {
    const body = parseOrThrow(sendFileByUrlBody, call.body);
    const owner = { userId: call.instance.userId, idInstance: call.instance.idInstance };
    let file: MediaFile;
    try {
      file = await services.media.storeFromUrl(owner, body.urlFile, body.fileName);
    } catch (error) {
      throw fileProblem(error, body.urlFile);
    }
    try {
      return { idMessage: await queueFile(call, services, body, file) };
    } catch (error) {
      await services.media.remove(file.id);
      throw error;
    }
  },

  uploadFile: async (call) => ({ urlFile: requireUpload(call).url }),

  downloadFile: async (call, services) => {
    const body = parseOrThrow(downloadFileBody, call.body);
    const message = await services.messaging.findMessage(call.instance, body.chatId, body.idMessage);
    if (!message) throw badRequest("message not found");
    if (!message.file) throw badRequest("message has no file");
    const file = await services.media.find(message.file.id);
    // Files are kept for a while only; GREEN-API's links expire the same way.
    if (!file) throw badRequest("file not found: files are kept for a limited time and this one has expired");
    return { downloadUrl: file.url };
  },
};
