import type { Clock } from "../../clock.js";
import type { MessengerConnector } from "../../messenger/connector.js";
import type { RequestOrigin } from "../audit/audit.repository.js";
import type { InstanceRow } from "../instances/instances.repository.js";
import type { InstancesService } from "../instances/instances.service.js";
import type { InstancesRepository } from "../instances/instances.repository.js";
import type { InstanceEvents } from "./instance-events.js";
import type { JournalRepository } from "./journal.repository.js";
import type { MessageWriter } from "./message-writer.js";
import type { NotificationQueue } from "./notifications.js";

/** What every API method may use. */
export interface GreenApiServices {
  instances: InstancesService;
  instanceRows: InstancesRepository;
  events: InstanceEvents;
  journal: JournalRepository;
  notifications: NotificationQueue;
  writer: MessageWriter;
  connector: MessengerConnector;
  clock: Clock;
}

export interface MethodCall {
  instance: InstanceRow;
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
