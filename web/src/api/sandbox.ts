import { z } from "zod";
import { sandboxChatSchema, sandboxMessageSchema, sandboxPhoneSchema } from "../../../shared/sandbox.schemas.js";
import type { SandboxChat, SandboxMessage, SandboxPhone } from "../../../shared/sandbox.schemas.js";
import { apiRequest, apiUpload } from "./client.js";
import { parseAnswer } from "./parse.js";

const phoneAnswer = z.object({ phone: sandboxPhoneSchema });
const chatsAnswer = z.object({ chats: z.array(sandboxChatSchema) });
const messagesAnswer = z.object({ messages: z.array(sandboxMessageSchema) });
const messageAnswer = z.object({ message: sandboxMessageSchema });

const phonePath = (number: string) => `/api/sandbox/phones/${encodeURIComponent(number)}`;
const chatPath = (number: string, chatId: string) => `${phonePath(number)}/chats/${encodeURIComponent(chatId)}`;

/** Opens a sandbox phone, creating it when the number is new. */
export async function openPhone(number: string): Promise<SandboxPhone> {
  return parseAnswer(phoneAnswer, await apiRequest("POST", "/api/sandbox/phones", { number })).phone;
}

export async function getPhone(number: string): Promise<SandboxPhone> {
  return parseAnswer(phoneAnswer, await apiRequest("GET", phonePath(number))).phone;
}

export async function listChats(number: string): Promise<SandboxChat[]> {
  return parseAnswer(chatsAnswer, await apiRequest("GET", `${phonePath(number)}/chats`)).chats;
}

/** Oldest first. */
export async function listMessages(number: string, chatId: string): Promise<SandboxMessage[]> {
  return parseAnswer(messagesAnswer, await apiRequest("GET", `${chatPath(number, chatId)}/messages`)).messages;
}

export async function sendSandboxMessage(number: string, chatId: string, text: string): Promise<SandboxMessage> {
  const answer = await apiRequest("POST", `${phonePath(number)}/messages`, { chatId, text });
  return parseAnswer(messageAnswer, answer).message;
}

/** Sends a file from the phone, with an optional caption (multipart: the fields first, then the file). */
export async function sendSandboxFile(number: string, chatId: string, file: File, caption: string): Promise<SandboxMessage> {
  const form = new FormData();
  form.append("chatId", chatId);
  if (caption !== "") form.append("caption", caption);
  form.append("file", file, file.name);
  return parseAnswer(messageAnswer, await apiUpload(`${phonePath(number)}/files`, form)).message;
}

/** Votes in a poll the phone received; no option takes the vote back. */
export async function votePoll(number: string, chatId: string, idMessage: string, options: string[]): Promise<void> {
  await apiRequest("POST", `${chatPath(number, chatId)}/messages/${encodeURIComponent(idMessage)}/vote`, { options });
}

/** Marks the chat read on the phone, which is how the sender sees "read". */
export async function markChatRead(number: string, chatId: string): Promise<void> {
  await apiRequest("POST", `${chatPath(number, chatId)}/read`);
}

/** Links an instance with the code from its QR link or a pairing code. */
export async function linkInstance(number: string, code: string): Promise<SandboxPhone> {
  return parseAnswer(phoneAnswer, await apiRequest("POST", `${phonePath(number)}/link`, { code })).phone;
}

export async function unlinkInstance(number: string, idInstance: number): Promise<SandboxPhone> {
  const answer = await apiRequest("DELETE", `${phonePath(number)}/links/${idInstance}`);
  return parseAnswer(phoneAnswer, answer).phone;
}
