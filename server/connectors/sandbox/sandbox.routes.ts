import type { FastifyInstance, FastifyRequest } from "fastify";
import multipart from "@fastify/multipart";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  phoneNumberSchema,
  sandboxChatSchema,
  sandboxFileFieldsSchema,
  sandboxFileSchema,
  sandboxLinkRequestSchema,
  sandboxVoteRequestSchema,
  sandboxMessageSchema,
  sandboxPhoneSchema,
  sandboxSendRequestSchema,
} from "../../../shared/sandbox.schemas.js";
import type { Clock } from "../../clock.js";
import { AppError, fieldError } from "../../errors.js";
import { sessionOf } from "../../plugins/console-guard.js";
import { chatIdOf, phoneOf } from "../../modules/messaging/ids.js";
import { SandboxLinkError, type SandboxNetwork } from "./sandbox-network.js";
import type { SandboxMessageRow, SandboxRepository } from "./sandbox.repository.js";
import { FileTooLarge } from "../../media/media-store.js";
import { EmptyFile, megabytes, QuotaExceeded, type MediaFile, type MediaService } from "../../modules/media/media.service.js";
import { multipartLimits, readForm } from "../../plugins/multipart-form.js";
import type { DeliveryStatus } from "../connector.js";

const storedFileSchema = sandboxFileSchema.extend({ caption: z.string() });

/**
 * What a phone's screen shows of a stored copy: its text, or for a file message the file and
 * its caption (the stored text is the chat list's one-line description).
 */
function shownOf(row: SandboxMessageRow): { text: string; file: z.infer<typeof sandboxFileSchema> | null } {
  const stored = row.file ? storedFileSchema.safeParse(JSON.parse(row.file)) : undefined;
  if (!stored?.success) return { text: row.text, file: null };
  const { caption, ...file } = stored.data;
  return { text: caption, file };
}

/** A poll the phone received, with its own vote; null for any other message. */
function pollOfRow(row: SandboxMessageRow): { options: string[]; multipleAnswers: boolean; myVote: string[] | null } | null {
  if (!row.poll || row.from_me === 1 || row.is_deleted === 1) return null;
  const poll = JSON.parse(row.poll) as { options: string[]; multipleAnswers: boolean };
  return { ...poll, myVote: row.my_vote ? (JSON.parse(row.my_vote) as string[]) : null };
}

const phoneParams = z.object({ number: phoneNumberSchema });
const chatParams = phoneParams.extend({ chatId: z.string().regex(/^[1-9]\d{9,14}@c\.us$/, "invalid") });

/** The sandbox phones' side, under /api/sandbox: for signed-in console users. */
export async function sandboxRoutes(
  parent: FastifyInstance,
  options: { network: SandboxNetwork; sandbox: SandboxRepository; media: MediaService; clock: Clock; maxPhonesPerAccount: number },
): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { network, sandbox, media, clock, maxPhonesPerAccount } = options;
  // Phones attach files: a form with one file part, streamed to the media store (which enforces the size).
  await app.register(multipart, { limits: multipartLimits(media.limits.maxFileBytes), throwFileSizeLimit: true });

  const describe = async (number: string) => ({
    number,
    linkedInstances: (await network.linkedInstances(number)).map((instance) => ({
      idInstance: instance.idInstance,
      name: instance.name,
    })),
  });
  // A phone's screen is its owner's alone: anybody else's phone answers 404, like a missing one.
  const requireOwned = async (request: FastifyRequest & { params: { number: string } }) => {
    if (!(await sandbox.isOwnedBy(request.params.number, sessionOf(request).user_id))) throw new AppError("not_found");
  };

  app.post(
    "/phones",
    { schema: { body: z.strictObject({ number: phoneNumberSchema }), response: { 200: z.object({ phone: sandboxPhoneSchema }) } } },
    async (request) => {
      const opened = await sandbox.openPhone(request.body.number, sessionOf(request).user_id, clock.now(), maxPhonesPerAccount);
      if (opened === "over-quota") {
        throw new AppError("quota_exceeded", undefined, `An account may have at most ${maxPhonesPerAccount} sandbox phones.`);
      }
      if (opened === "taken") throw fieldError("number", "number_taken");
      return { phone: await describe(request.body.number) };
    },
  );

  app.get(
    "/phones/:number",
    { schema: { params: phoneParams, response: { 200: z.object({ phone: sandboxPhoneSchema }) } } },
    async (request) => {
      await requireOwned(request);
      return { phone: await describe(request.params.number) };
    },
  );

  app.get(
    "/phones/:number/chats",
    { schema: { params: phoneParams, response: { 200: z.object({ chats: z.array(sandboxChatSchema) }) } } },
    async (request) => {
      await requireOwned(request);
      const chats = await sandbox.listChats(request.params.number);
      return {
        chats: chats.map((chat) => ({
          chatId: chatIdOf(chat.peer),
          lastMessage: chat.last.text,
          lastTimestamp: Math.floor(chat.last.created_at / 1000),
          unread: chat.unread,
        })),
      };
    },
  );

  app.get(
    "/phones/:number/chats/:chatId/messages",
    { schema: { params: chatParams, response: { 200: z.object({ messages: z.array(sandboxMessageSchema) }) } } },
    async (request) => {
      await requireOwned(request);
      const rows = await sandbox.listMessages(request.params.number, phoneOf(request.params.chatId));
      return {
        messages: rows.map((row) => ({
          idMessage: row.id_message,
          fromMe: row.from_me === 1,
          ...(row.is_deleted === 1 ? { text: "", file: null } : shownOf(row)),
          isEdited: row.is_edited === 1,
          isDeleted: row.is_deleted === 1,
          poll: pollOfRow(row),
          typeMessage: row.type_message,
          status: row.from_me === 1 ? ((row.status ?? "sent") as "sent") : null,
          timestamp: Math.floor(row.created_at / 1000),
        })),
      };
    },
  );

  app.post(
    "/phones/:number/messages",
    { schema: { params: phoneParams, body: sandboxSendRequestSchema, response: { 200: z.object({ message: sandboxMessageSchema }) } } },
    async (request) => {
      await requireOwned(request);
      const { idMessage, status } = await network.sendFromPhone(request.params.number, request.body.chatId, { text: request.body.text });
      return { message: sentMessage(idMessage, status, { text: request.body.text, typeMessage: "textMessage", file: null }) };
    },
  );

  app.post(
    "/phones/:number/files",
    { schema: { params: phoneParams, response: { 200: z.object({ message: sandboxMessageSchema }) } } },
    async (request) => {
      await requireOwned(request);
      if (!request.isMultipart()) throw fieldError("file", "required");
      const owner = { userId: sessionOf(request).user_id, idInstance: null };
      let file: MediaFile | undefined;
      try {
        const form = await readForm(
          request,
          (part) => media.store(owner, part.file, { fileName: part.filename, declaredType: part.mimetype }),
          (stored) => media.remove(stored.id),
        );
        file = form.file;
        const parsed = sandboxFileFieldsSchema.safeParse(form.fields);
        if (!parsed.success) throw fieldError(String(parsed.error.issues[0]?.path[0] ?? "chatId"), "invalid");
        if (!file) throw fieldError("file", "required");
        const caption = parsed.data.caption ?? "";
        const sent = await network.sendFromPhone(request.params.number, parsed.data.chatId, { file, caption });
        return { message: sentMessage(sent.idMessage, sent.status, { text: caption, typeMessage: sent.typeMessage, file }) };
      } catch (error) {
        if (file) await media.remove(file.id);
        if (error instanceof FileTooLarge) {
          throw new AppError("validation_failed", { file: "too_large" }, `The file is larger than ${megabytes(error.maxBytes)} MB.`);
        }
        if (error instanceof EmptyFile) throw fieldError("file", "required");
        if (error instanceof QuotaExceeded) {
          throw new AppError("quota_exceeded", undefined, `The account's files may take ${megabytes(error.quotaBytes)} MB at most.`);
        }
        throw error;
      }
    },
  );

  /** A message this phone just sent, as its screen shows it. */
  function sentMessage(
    idMessage: string,
    status: DeliveryStatus,
    shown: { text: string; typeMessage: string; file: z.infer<typeof sandboxFileSchema> | null },
  ) {
    return {
      idMessage,
      fromMe: true,
      text: shown.text,
      typeMessage: shown.typeMessage,
      file: shown.file
        ? { url: shown.file.url, fileName: shown.file.fileName, mimeType: shown.file.mimeType, size: shown.file.size }
        : null,
      isEdited: false,
      isDeleted: false,
      poll: null,
      status: status === "noAccount" ? ("noAccount" as const) : ("delivered" as const),
      timestamp: Math.floor(clock.now() / 1000),
    };
  }

  app.post(
    "/phones/:number/chats/:chatId/messages/:idMessage/vote",
    { schema: { params: chatParams.extend({ idMessage: z.string().min(1).max(64) }), body: sandboxVoteRequestSchema } },
    async (request, reply) => {
      await requireOwned(request);
      const voted = await network.voteFromPhone(
        request.params.number,
        phoneOf(request.params.chatId),
        request.params.idMessage,
        request.body.options,
      );
      if (voted === "no-poll") throw new AppError("not_found");
      if (voted === "bad-choice") throw fieldError("options", "invalid");
      return reply.status(204).send();
    },
  );

  app.post("/phones/:number/chats/:chatId/read", { schema: { params: chatParams } }, async (request, reply) => {
    await requireOwned(request);
    await network.readOnPhone(request.params.number, phoneOf(request.params.chatId));
    return reply.status(204).send();
  });

  app.post(
    "/phones/:number/link",
    { schema: { params: phoneParams, body: sandboxLinkRequestSchema, response: { 200: z.object({ phone: sandboxPhoneSchema }) } } },
    async (request) => {
      await requireOwned(request);
      try {
        await network.link(request.params.number, request.body.code);
      } catch (error) {
        if (error instanceof SandboxLinkError) throw fieldError("code", "invalid");
        throw error;
      }
      return { phone: await describe(request.params.number) };
    },
  );

  app.delete(
    "/phones/:number/links/:idInstance",
    {
      schema: {
        params: phoneParams.extend({ idInstance: z.coerce.number().int().positive() }),
        response: { 200: z.object({ phone: sandboxPhoneSchema }) },
      },
    },
    async (request) => {
      await requireOwned(request);
      await network.unlink(request.params.number, request.params.idInstance);
      return { phone: await describe(request.params.number) };
    },
  );
}
