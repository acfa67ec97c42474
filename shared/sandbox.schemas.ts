import { z } from "zod";

/** A sandbox phone number: international digits without "+", 10 to 15 of them. */
export const phoneNumberSchema = z.string().regex(/^[1-9]\d{9,14}$/, "invalid");

export const sandboxLinkedInstanceSchema = z.object({ idInstance: z.number().int(), name: z.string() });

export const sandboxPhoneSchema = z.object({
  number: z.string(),
  linkedInstances: z.array(sandboxLinkedInstanceSchema),
});
export type SandboxPhone = z.infer<typeof sandboxPhoneSchema>;

export const sandboxChatSchema = z.object({
  /** The other side, such as 79001234567@c.us */
  chatId: z.string(),
  lastMessage: z.string(),
  lastTimestamp: z.number(),
  unread: z.number().int(),
});
export type SandboxChat = z.infer<typeof sandboxChatSchema>;

/** A file a message carries: its link works without a session, as the API's links do. */
export const sandboxFileSchema = z.object({
  url: z.string(),
  fileName: z.string(),
  mimeType: z.string(),
  /** Bytes. */
  size: z.number().int(),
});
export type SandboxFile = z.infer<typeof sandboxFileSchema>;

export const SANDBOX_MESSAGE_STATUSES = ["sent", "delivered", "read", "noAccount"] as const;

export const sandboxMessageSchema = z.object({
  idMessage: z.string(),
  fromMe: z.boolean(),
  /** What a person sees: the text, a file's caption ("" when none), or a one-line description of a location, contact or poll. */
  text: z.string(),
  typeMessage: z.string(),
  /** The file of an image, video, audio or document message; null for the other types. */
  file: sandboxFileSchema.nullable(),
  /** A poll received: its options, whether several may be chosen, and this phone's vote (null before it voted). */
  poll: z.object({ options: z.array(z.string()), multipleAnswers: z.boolean(), myVote: z.array(z.string()).nullable() }).nullable(),
  /** Its sender changed its text. */
  isEdited: z.boolean(),
  /** Its sender deleted it for everyone: its text and file are gone. */
  isDeleted: z.boolean(),
  /** For messages sent from this phone. */
  status: z.enum(SANDBOX_MESSAGE_STATUSES).nullable(),
  /** UNIX seconds, as in the API. */
  timestamp: z.number(),
});
export type SandboxMessage = z.infer<typeof sandboxMessageSchema>;

export const sandboxSendRequestSchema = z.strictObject({
  chatId: z.string().regex(/^[1-9]\d{9,14}@c\.us$/, "invalid"),
  text: z.string().min(1, "required").max(20_000, "too_long"),
});
/**
 * Sending a file from a phone: POST /api/sandbox/phones/:number/files as multipart/form-data
 * with the fields `chatId` and `caption` (optional, at most 20,000 characters) and one part
 * `file`. Answers { message }. Errors: validation_failed with fields.file "required" or
 * "too_large" (past the server's per-file limit, given in the message), fields.chatId
 * "invalid"; quota_exceeded when the account's storage for files is full.
 */
export const sandboxFileFieldsSchema = z.strictObject({
  chatId: sandboxSendRequestSchema.shape.chatId,
  caption: z.string().max(20_000, "too_long").optional(),
});

/** A vote in a poll the phone received: the options chosen (none takes the vote back). */
export const sandboxVoteRequestSchema = z.strictObject({ options: z.array(z.string().min(1).max(100)).max(12) });

export const sandboxLinkRequestSchema = z.strictObject({
  /** The code from a QR link, or a pairing code typed by hand. */
  code: z.string().trim().min(1, "required").max(128, "too_long"),
});
