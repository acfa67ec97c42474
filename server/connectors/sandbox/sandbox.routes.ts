import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  phoneNumberSchema,
  sandboxChatSchema,
  sandboxLinkRequestSchema,
  sandboxMessageSchema,
  sandboxPhoneSchema,
  sandboxSendRequestSchema,
} from "../../../shared/sandbox.schemas.js";
import type { Clock } from "../../clock.js";
import { AppError, fieldError } from "../../errors.js";
import { sessionOf } from "../../plugins/console-guard.js";
import { chatIdOf, phoneOf } from "../../modules/messaging/ids.js";
import { SandboxLinkError, type SandboxNetwork } from "./sandbox-network.js";
import type { SandboxRepository } from "./sandbox.repository.js";

const phoneParams = z.object({ number: phoneNumberSchema });
const chatParams = phoneParams.extend({ chatId: z.string().regex(/^[1-9]\d{9,14}@c\.us$/, "invalid") });

/** The sandbox phones' side, under /api/sandbox: for signed-in console users. */
export async function sandboxRoutes(
  parent: FastifyInstance,
  options: { network: SandboxNetwork; sandbox: SandboxRepository; clock: Clock; maxPhonesPerAccount: number },
): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { network, sandbox, clock, maxPhonesPerAccount } = options;

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
          text: row.text,
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
      const { idMessage, status } = await network.sendFromPhone(request.params.number, request.body.chatId, request.body.text);
      return {
        message: {
          idMessage,
          fromMe: true,
          text: request.body.text,
          typeMessage: "textMessage",
          status: status === "noAccount" ? ("noAccount" as const) : ("delivered" as const),
          timestamp: Math.floor(clock.now() / 1000),
        },
      };
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
