import { z } from "zod";

/** The console's view of an instance's webhook push (the URL and token live in the settings). */
export const webhookStatusSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("off") }),
  z.object({ kind: z.literal("delivering") }),
  z.object({ kind: z.literal("retrying"), since: z.number(), attempts: z.number(), nextAttemptAt: z.number() }),
  z.object({ kind: z.literal("paused"), since: z.number(), reason: z.string() }),
]);

export const webhookAttemptSchema = z.object({
  receiptId: z.number(),
  webhookId: z.string(),
  typeWebhook: z.string(),
  attemptedAt: z.number(),
  outcome: z.enum(["delivered", "failed", "gone", "refused", "expired"]),
  statusCode: z.number().nullable(),
  latencyMs: z.number(),
  error: z.string(),
});

export const deadLetterSchema = z.object({
  receiptId: z.number(),
  webhookId: z.string(),
  typeWebhook: z.string(),
  createdAt: z.number(),
  deadAt: z.number(),
  reason: z.string(),
});

export const webhookOverviewResponseSchema = z.object({
  status: webhookStatusSchema,
  queued: z.number(),
  attempts: z.array(webhookAttemptSchema),
  deadLetters: z.array(deadLetterSchema),
  previousSecretValidUntil: z.number().nullable(),
});

export const webhookSecretResponseSchema = z.object({ signingSecret: z.string() });
export const redeliveredResponseSchema = z.object({ redelivered: z.number() });
export const testNotificationResponseSchema = z.object({ receiptId: z.number() });
