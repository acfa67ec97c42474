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

export const SANDBOX_MESSAGE_STATUSES = ["sent", "delivered", "read", "noAccount"] as const;

export const sandboxMessageSchema = z.object({
  idMessage: z.string(),
  fromMe: z.boolean(),
  /** What a person sees: the text, or a one-line description of a location, contact or poll. */
  text: z.string(),
  typeMessage: z.string(),
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
export const sandboxLinkRequestSchema = z.strictObject({
  /** The code from a QR link, or a pairing code typed by hand. */
  code: z.string().trim().min(1, "required").max(128, "too_long"),
});
