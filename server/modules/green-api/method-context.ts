import type { Clock } from "../../clock.js";
import { notAuthorizedInstance } from "./green-api.errors.js";
import type { RequestOrigin } from "../audit/audit.repository.js";
import type { Instance } from "../messaging/instance.js";
import type { MediaFile, MediaService } from "../media/media.service.js";
import type { MessagingService } from "../messaging/messaging.service.js";

/** What every API method may use: the messaging core, the files, and time. */
export interface GreenApiServices {
  messaging: MessagingService;
  media: MediaService;
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
  /** The file of an upload method (sendFileByUpload, uploadFile), already stored; undefined when none came. */
  upload: MediaFile | undefined;
}

/** What a method answers when GREEN-API's answers 200 with an empty body (archiveChat, sendTyping…). */
export const EMPTY_ANSWER = Symbol("empty answer");

/** Answers the JSON value to send (null included), or EMPTY_ANSWER. */
export type MethodHandler = (call: MethodCall, services: GreenApiServices) => Promise<unknown>;

/** Methods that need the phone: GREEN-API refuses them until the instance is authorized. */
export function requireAuthorized(call: MethodCall): void {
  if (call.instance.state !== "authorized") throw notAuthorizedInstance();
}
