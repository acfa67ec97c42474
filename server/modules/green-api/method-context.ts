import type { Clock } from "../../clock.js";
import type { RequestOrigin } from "../audit/audit.repository.js";
import type { Instance } from "../messaging/instance.js";
import type { MessagingService } from "../messaging/messaging.service.js";

/** What every API method may use: the messaging core, and time. */
export interface GreenApiServices {
  messaging: MessagingService;
  clock: Clock;
}

export interface MethodCall {
  instance: Instance;
  body: unknown;
  query: Record<string, string | undefined>;
  receiptId: string | undefined;
  /** Who called, for the audit of what the API changes (token rotation). */
  origin: RequestOrigin;
  /** Aborted when the client goes away (a long poll stops waiting). */
  signal: AbortSignal | undefined;
}

/** Answers the JSON value to send (null included). */
export type MethodHandler = (call: MethodCall, services: GreenApiServices) => Promise<unknown>;
