import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import type { Clock } from "../../clock.js";
import type { ConnectorEvents } from "../../connectors/connector.js";
import type { ConnectorRegistry } from "../../connectors/connector-registry.js";
import type { Database } from "../../db/schema.js";
import type { SecretBox } from "../../security/secret-box.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import { sqliteHandleOf } from "../../db/create-db.js";
import { DatabaseSignals } from "../../db/database-signals.js";
import { InstanceLeases } from "./instance-leases.js";
import { InstanceLifecycle } from "./instance-lifecycle.js";
import { LeasesRepository } from "./leases.repository.js";
import { InstancesRepository } from "./instances.repository.js";
import { MessageWriter } from "./message-writer.js";
import { MessagesRepository } from "./messages.repository.js";
import { MessagingService } from "./messaging.service.js";
import { NotificationQueue } from "./notification-queue.js";
import { SendLoop } from "./send-loop.js";

export interface MessagingCore {
  /** Which instances this node holds (one node on SQLite holds them all). */
  leases: InstanceLeases;
  signals: DatabaseSignals;
  /** What the API, the console and the connectors call. */
  service: MessagingService;
  /** Where the connectors report what happens on their networks. */
  events: ConnectorEvents;
}

/** Builds the messaging core on a database; its repositories stay inside. */
export function createMessagingCore(deps: {
  db: Kysely<Database>;
  clock: Clock;
  log: FastifyBaseLogger;
  connectors: ConnectorRegistry;
  secretBox: SecretBox;
  audit: AuditRepository;
  /** This process's name among the nodes sharing the database. */
  nodeId: string;
}): MessagingCore {
  const { db, clock, connectors } = deps;
  const signals = new DatabaseSignals(db, deps.log);
  const instances = new InstancesRepository(db, signals);
  const messages = new MessagesRepository(db);
  const notifications = new NotificationQueue(db, clock, signals);
  const lifecycle = new InstanceLifecycle({ instances, messages, notifications, clock });
  lifecycle.attach(connectors);
  const leases = new InstanceLeases({
    repository: sqliteHandleOf(db) ? undefined : new LeasesRepository(db),
    nodeId: deps.nodeId,
    clock,
    log: deps.log,
  });
  const sendLoop = new SendLoop({ messages, instances, lifecycle, connectors, leases, clock, log: deps.log });
  const service = new MessagingService({
    instances,
    messages,
    notifications,
    writer: new MessageWriter(messages),
    lifecycle,
    sendLoop,
    leases,
    signals,
    connectors,
    secretBox: deps.secretBox,
    audit: deps.audit,
    clock,
    log: deps.log,
  });
  return { service, events: lifecycle, leases, signals };
}
