import type { z } from "zod";
import {
  redeliveredResponseSchema,
  testNotificationResponseSchema,
  webhookOverviewResponseSchema,
  webhookSecretResponseSchema,
} from "../../../shared/webhooks.schemas.js";
import { apiRequest } from "./client.js";
import { parseAnswer } from "./parse.js";

export type WebhookOverview = z.infer<typeof webhookOverviewResponseSchema>;

const path = (idInstance: number, action = "") => `/api/console/instances/${idInstance}/webhooks${action ? `/${action}` : ""}`;

export async function getWebhookOverview(idInstance: number): Promise<WebhookOverview> {
  return parseAnswer(webhookOverviewResponseSchema, await apiRequest("GET", path(idInstance)));
}

/** The current signing secret; the server records each reveal in the activity log. */
export async function getWebhookSecret(idInstance: number): Promise<string> {
  return parseAnswer(webhookSecretResponseSchema, await apiRequest("GET", path(idInstance, "secret"))).signingSecret;
}

/** A new signing secret; the old one keeps signing beside it for a day. */
export async function rotateWebhookSecret(idInstance: number): Promise<string> {
  return parseAnswer(webhookSecretResponseSchema, await apiRequest("POST", path(idInstance, "secret"))).signingSecret;
}

/** Pushing starts again after the receiver answered 410 Gone. */
export async function resumeWebhooks(idInstance: number): Promise<WebhookOverview> {
  return parseAnswer(webhookOverviewResponseSchema, await apiRequest("POST", path(idInstance, "resume")));
}

/** Queues a test notification; answers its receiptId. */
export async function sendTestWebhook(idInstance: number): Promise<number> {
  return parseAnswer(testNotificationResponseSchema, await apiRequest("POST", path(idInstance, "test"))).receiptId;
}

export async function redeliverDeadLetter(idInstance: number, receiptId: number): Promise<void> {
  await apiRequest("POST", path(idInstance, `dead-letters/${receiptId}/redeliver`));
}

/** Every dead letter back at the end of the queue; answers how many. */
export async function redeliverAllDeadLetters(idInstance: number): Promise<number> {
  return parseAnswer(redeliveredResponseSchema, await apiRequest("POST", path(idInstance, "dead-letters/redeliver"))).redelivered;
}
