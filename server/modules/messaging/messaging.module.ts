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
import { InstanceLifecycle, type FileCopies } from "./instance-lifecycle.js";
import { LeasesRepository } from "./leases.repository.js";
import { InstancesRepository } from "./instances.repository.js";
import { GroupCommit } from "./group-commit.js";
import { MessagesRepository } from "./messages.repository.js";
import { ChatSettingsRepository } from "./chat-settings.repository.js";
import { PollVotesRepository } from "./poll-votes.repository.js";
import { MessagingService } from "./messaging.service.js";
import { NotificationQueue } from "./notification-queue.js";
import { SendLoop } from "./send-loop.js";
import { WebhookDelivery, type WebhookPoster } from "./webhook-delivery.js";
import { WebhooksRepository } from "./webhooks.repository.js";
import { WebhooksService } from "./webhooks.service.js";
import { createSigningSecret } from "../../webhooks/webhook-signature.js";
import type { UrlCheck } from "../../security/outbound-guard.js";
import type { StoredMessage } from "./instance.js";

export interface MessagingCore {
  /** Which instances this node holds (one node on SQLite holds them all). */
  leases: InstanceLeases;
  signals: DatabaseSignals;
  /** What the API, the console and the connectors call. */
  service: MessagingService;
  /** Where the connectors report what happens on their networks. */
  events: ConnectorEvents;
  /** The console's side of webhook push: state, signing secret, dead letters, a test. */
  webhooks: WebhooksService;
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
  /** Posts a notification to a webhookUrl (through the outbound address guard). */
  webhookPoster: WebhookPoster;
  /** Whether a webhookUrl may be saved. */
  checkWebhookUrl: (url: string) => Promise<UrlCheck>;
  /** Webhook requests in flight at once on this node. */
  webhookConcurrency: number;
  /** The media files: received files are copied per instance, a deleted instance's files go. */
  files: FileCopies & { removeInstanceFiles(idInstance: number): Promise<void> };
}): MessagingCore {
  const { db, clock, connectors } = deps;
  const signals = new DatabaseSignals(db, deps.log);
  const instances = new InstancesRepository(db, signals);
  const messages = new MessagesRepository(db);
  const notifications = new NotificationQueue(db, clock, signals);
  const lifecycle = new InstanceLifecycle({
    instances,
    messages,
    notifications,
    pollVotes: new PollVotesRepository(db),
    clock,
    files: deps.files,
  });
  lifecycle.attach(connectors);
  const leases = new InstanceLeases({
    repository: sqliteHandleOf(db) ? undefined : new LeasesRepository(db),
    nodeId: deps.nodeId,
    clock,
    log: deps.log,
  });
  const sendLoop = new SendLoop({ messages, instances, lifecycle, connectors, leases, clock, log: deps.log });
  const webhooksRepository = new WebhooksRepository(db);
  const webhookDelivery = new WebhookDelivery({
    repository: webhooksRepository,
    notifications,
    instances,
    leases,
    secretBox: deps.secretBox,
    poster: deps.webhookPoster,
    clock,
    log: deps.log,
    concurrency: deps.webhookConcurrency,
    createSecret: createSigningSecret,
  });
  const service = new MessagingService({
    instances,
    messages,
    chatSettings: new ChatSettingsRepository(db),
    notifications,
    writer: new GroupCommit((entries: Array<{ idInstance: number; message: StoredMessage }>) => messages.insertMany(entries)),
    lifecycle,
    sendLoop,
    leases,
    signals,
    connectors,
    secretBox: deps.secretBox,
    audit: deps.audit,
    clock,
    log: deps.log,
    webhookDelivery,
    checkWebhookUrl: deps.checkWebhookUrl,
    files: deps.files,
  });
  const webhooks = new WebhooksService({
    repository: webhooksRepository,
    notifications,
    lifecycle,
    delivery: webhookDelivery,
    secretBox: deps.secretBox,
    audit: deps.audit,
    clock,
    createSecret: createSigningSecret,
  });
  return { service, events: lifecycle, leases, signals, webhooks };
}
