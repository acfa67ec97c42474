import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { z } from "zod";
import { DEFAULT_SETTINGS, type InstanceSettings } from "../../../shared/green-api.js";
import type { Clock } from "../../clock.js";
import type { Contact, ConnectorHost, QrAnswer } from "../../connectors/connector.js";
import type { ConnectorRegistry } from "../../connectors/connector-registry.js";
import type { SecretBox } from "../../security/secret-box.js";
import { sha256Bytes, sha256Hex } from "../../security/tokens.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import { createApiMessageId } from "./ids.js";
import type { ConnectorKind, Instance, Notification, OutgoingMessage, StateChange, StoredMessage } from "./instance.js";
import type { DatabaseSignals } from "../../db/database-signals.js";
import type { InstanceLeases, LeaseChanges } from "./instance-leases.js";
import type { InstanceLifecycle } from "./instance-lifecycle.js";
import type { InstancesRepository } from "./instances.repository.js";
import type { GroupCommit } from "./group-commit.js";
import type { MessagesRepository } from "./messages.repository.js";
import { NO_CHAT_SETTINGS, type ChatSettings, type ChatSettingsRepository } from "./chat-settings.repository.js";
import { deletedContent, EDITABLE_TYPES, editedContent, isDeletedMessage } from "./message-changes.js";
import type { NotificationQueue } from "./notification-queue.js";
import { SEND_QUEUE_TTL_MS, type SendLoop } from "./send-loop.js";
import { settingsView, type setSettingsSchema } from "./settings.js";
import { WEBHOOK_EXPIRY_MS, type WebhookDelivery } from "./webhook-delivery.js";
import type { UrlCheck } from "../../security/outbound-guard.js";

const ID_MIN = 1_100_000_000;
const ID_MAX = 9_999_999_999;
const DAY_MS = 24 * 60 * 60_000;
/** WhatsApp lets a message be edited for 15 minutes after it was sent. */
const EDIT_WINDOW_MS = 15 * 60_000;

/** 50 lower-case hex characters, as GREEN-API's tokens: 200 random bits. */
function createApiToken(): string {
  return randomBytes(25).toString("hex");
}

export type Authentication = Instance | "unknown" | "bad-token";

/** A webhookUrl the server may not reach (loopback, private, link-local…); `reason` says which address and why. */
export class WebhookUrlRefused extends Error {
  constructor(readonly reason: string) {
    super(`webhookUrl refused: ${reason}`);
    this.name = "WebhookUrlRefused";
  }
}

/**
 * The messaging core: instances' lifecycle and state, their message history, send queue and
 * notification queue, behind one service. The compatible API, the console and the connectors
 * talk to this service, never to its repositories. Data flows one way: a request is stored and
 * acknowledged here, the send loop hands it to the instance's connector, and what the connector
 * reports comes back through the lifecycle as statuses, incoming messages and notifications.
 */
export class MessagingService implements ConnectorHost {
  constructor(
    private readonly deps: {
      instances: InstancesRepository;
      messages: MessagesRepository;
      chatSettings: ChatSettingsRepository;
      notifications: NotificationQueue;
      /** Acknowledged sends, stored in shared transactions. */
      writer: GroupCommit<{ idInstance: number; message: StoredMessage }>;
      lifecycle: InstanceLifecycle;
      sendLoop: SendLoop;
      leases: InstanceLeases;
      signals: DatabaseSignals;
      connectors: ConnectorRegistry;
      secretBox: SecretBox;
      audit: AuditRepository;
      clock: Clock;
      log: FastifyBaseLogger;
      webhookDelivery: WebhookDelivery;
      /** Whether a webhookUrl may be saved: refused when it points at a loopback, private… address. */
      checkWebhookUrl: (url: string) => Promise<UrlCheck>;
      files: { removeInstanceFiles(idInstance: number): Promise<void> };
    },
  ) {}

  // Instances

  /**
   * A new instance of the given connector, not linked, every notification off; answers it with
   * its token, or undefined when the owner already has `quota` instances.
   */
  async create(
    userId: string,
    name: string,
    connector: ConnectorKind,
    quota: number,
  ): Promise<{ instance: Instance; token: string } | undefined> {
    const token = createApiToken();
    const now = this.deps.clock.now();
    for (;;) {
      const created = await this.deps.instances.createWithinQuota(
        {
          idInstance: randomInt(ID_MIN, ID_MAX + 1),
          userId,
          name,
          tokenHash: sha256Hex(token),
          tokenSealed: this.deps.secretBox.seal(token),
          settings: DEFAULT_SETTINGS,
          connector,
          now,
        },
        quota,
      );
      if (created === "over-quota") return undefined;
      // Ten random digits rarely collide; when they do, draw again.
      if (created !== "id-taken") {
        await this.deps.instances.recordState(created.idInstance, created.state, "", now);
        return { instance: created, token };
      }
    }
  }

  find(idInstance: number): Promise<Instance | undefined> {
    return Number.isSafeInteger(idInstance) ? this.deps.instances.find(idInstance) : Promise.resolve(undefined);
  }

  listForUser(userId: string): Promise<Instance[]> {
    return this.deps.instances.listForUser(userId);
  }

  listInstancesLinkedTo(wid: string): Promise<Instance[]> {
    return this.deps.instances.listByWid(wid);
  }

  async listChatIds(idInstance: number): Promise<string[]> {
    return (await this.deps.messages.listChats(idInstance, 10_000)).map((chat) => chat.chatId);
  }

  /** The instance a compatible API call names, or why not: "unknown" (403) or "bad-token" (401). */
  async authenticate(idInstance: number, token: string): Promise<Authentication> {
    const found = Number.isSafeInteger(idInstance) ? await this.deps.instances.findWithTokenHash(idInstance) : undefined;
    // A disabled account's instances answer as if they did not exist: 403.
    if (!found || found.instance.isOwnerDisabled) return "unknown";
    const presented = sha256Bytes(token);
    return presented.length === found.tokenHash.length && timingSafeEqual(presented, found.tokenHash) ? found.instance : "bad-token";
  }

  private async audit(event: AuditEvent, instance: Instance, origin: RequestOrigin): Promise<void> {
    await this.deps.audit.recordInstanceEvent(event, instance, origin, this.deps.clock.now());
  }

  async revealToken(instance: Instance, origin: RequestOrigin): Promise<string> {
    const sealed = await this.deps.instances.findSealedToken(instance.idInstance);
    if (sealed === undefined) throw new Error(`instance ${instance.idInstance} is gone`);
    await this.audit("token_revealed", instance, origin);
    return this.deps.secretBox.open(sealed);
  }

  /** A new token; the old one stops working with this write. */
  async rotateToken(instance: Instance, origin: RequestOrigin): Promise<string> {
    const token = createApiToken();
    await this.deps.instances.setToken(instance.idInstance, sha256Hex(token), this.deps.secretBox.seal(token), this.deps.clock.now());
    await this.audit("token_rotated", instance, origin);
    return token;
  }

  /** The instance, its queues, history and files go; its connector's session ends and drops what it kept. */
  async delete(instance: Instance): Promise<void> {
    const connector = this.deps.connectors.for(instance);
    if (this.deps.leases.holds(instance.idInstance)) await connector.stop(instance);
    await this.deps.instances.delete(instance.idInstance);
    await this.deps.files.removeInstanceFiles(instance.idInstance);
    await connector.forget(instance);
  }

  typeInstance(instance: Instance): string {
    return this.deps.connectors.for(instance).typeInstance;
  }

  // State and settings

  settings(instance: Instance): InstanceSettings {
    return settingsView(instance.settings, instance.wid);
  }

  /**
   * setSettings: saves, then the instance restarts to apply them, as GREEN-API's does. A
   * webhookUrl the server may not reach is refused (WebhookUrlRefused) and nothing is saved.
   */
  async updateSettings(instance: Instance, changes: z.output<typeof setSettingsSchema>): Promise<void> {
    if (changes.webhookUrl) await this.refuseUnreachableWebhookUrl(changes.webhookUrl);
    const settings = await this.deps.instances.mergeSettings(
      instance.idInstance,
      (stored) => ({ ...stored, ...changes }),
      this.deps.clock.now(),
    );
    if (settings) await this.deps.lifecycle.restart({ ...instance, settings });
  }

  /** Throws WebhookUrlRefused when the server may not reach this address (loopback, private…). */
  async refuseUnreachableWebhookUrl(url: string): Promise<void> {
    const check = await this.deps.checkWebhookUrl(url);
    if (!check.ok) throw new WebhookUrlRefused(check.reason);
  }

  reboot(instance: Instance): Promise<Instance> {
    return this.deps.lifecycle.restart(instance);
  }

  async logout(instance: Instance): Promise<void> {
    await this.deps.connectors.for(instance).logout(instance);
  }

  qr(instance: Instance): Promise<QrAnswer> {
    return this.deps.connectors.for(instance).qr(instance);
  }

  async pairingCode(instance: Instance, phoneNumber: string): Promise<{ status: boolean; code: string }> {
    if (instance.state === "authorized" || instance.state === "starting") return { status: false, code: "" };
    return { status: true, code: await this.deps.connectors.for(instance).pairingCode(instance, phoneNumber) };
  }

  stateHistory(instance: Instance, count: number): Promise<StateChange[]> {
    return this.deps.instances.listStateHistory(instance.idInstance, count);
  }

  // Sending

  private queued(instance: Instance, message: OutgoingMessage): StoredMessage {
    return {
      idMessage: createApiMessageId(),
      direction: "outgoing",
      chatId: message.chatId,
      senderId: instance.wid,
      senderName: "",
      typeMessage: message.typeMessage,
      journal: message.journal,
      messageData: message.messageData,
      status: "queued",
      sendByApi: true,
      sendMethod: message.sendMethod,
      request: message.request,
      createdAt: this.deps.clock.now(),
      ...(message.file ? { file: message.file } : {}),
    };
  }

  /** Queues messages and answers their idMessages once they are durably stored, all in one transaction. */
  async queueSends(instance: Instance, messages: OutgoingMessage[]): Promise<string[]> {
    const stored = messages.map((message) => this.queued(instance, message));
    await Promise.all(stored.map((message) => this.deps.writer.write({ idInstance: instance.idInstance, message })));
    return stored.map((message) => message.idMessage);
  }

  async queueSend(instance: Instance, message: OutgoingMessage): Promise<string> {
    const [idMessage] = await this.queueSends(instance, [message]);
    return idMessage!;
  }

  listQueued(instance: Instance): Promise<StoredMessage[]> {
    return this.deps.messages.listQueued(instance.idInstance);
  }

  countQueued(instance: Instance): Promise<number> {
    return this.deps.messages.countQueued(instance.idInstance);
  }

  clearQueue(instance: Instance): Promise<void> {
    return this.deps.messages.clearQueue(instance.idInstance);
  }

  // The journal

  findMessage(instance: Instance, chatId: string, idMessage: string): Promise<StoredMessage | undefined> {
    return this.deps.messages.find(instance.idInstance, chatId, idMessage);
  }

  listChat(instance: Instance, chatId: string, count: number): Promise<StoredMessage[]> {
    return this.deps.messages.listChat(instance.idInstance, chatId, count);
  }

  listSince(instance: Instance, direction: "incoming" | "outgoing", since: number): Promise<StoredMessage[]> {
    return this.deps.messages.listSince(instance.idInstance, direction, since);
  }

  listChats(instance: Instance, count: number): Promise<Array<{ chatId: string; last: number }>> {
    return this.deps.messages.listChats(instance.idInstance, count);
  }

  // Edits and deletions

  /**
   * Changes the text of a message the instance sent, on its side and on the network; answers the
   * edit's id, or why not: no such message, not a text, or older than WhatsApp allows.
   */
  async editMessage(
    instance: Instance,
    chatId: string,
    idMessage: string,
    text: string,
  ): Promise<{ editId: string } | "not-found" | "being-sent" | "not-text" | "too-old"> {
    const found = await this.deps.messages.find(instance.idInstance, chatId, idMessage);
    if (!found || found.direction !== "outgoing" || isDeletedMessage(found.journal)) return "not-found";
    // Handed to the network this moment: a change now would reach neither the network nor its recipients.
    if (found.status === "pending") return "being-sent";
    if (!EDITABLE_TYPES.has(found.typeMessage)) return "not-text";
    const now = this.deps.clock.now();
    if (now - found.createdAt > EDIT_WINDOW_MS) return "too-old";
    const editId = createApiMessageId();
    await this.deps.messages.changeContent(instance.idInstance, chatId, idMessage, "outgoing", (content) =>
      editedContent(content, text, editId),
    );
    await this.deps.connectors.for(instance).edit(instance, { chatId, idMessage, text, editId, timestamp: now });
    return { editId };
  }

  /**
   * Deletes a message from the instance's journal, and for everyone in the chat unless
   * `onlyForMe` (a message received can be deleted only for oneself, as on WhatsApp).
   */
  async deleteMessage(
    instance: Instance,
    chatId: string,
    idMessage: string,
    onlyForMe: boolean,
  ): Promise<"deleted" | "not-found" | "being-sent"> {
    const found = await this.deps.messages.find(instance.idInstance, chatId, idMessage);
    if (!found) return "not-found";
    if (found.status === "pending") return "being-sent";
    await this.deps.messages.changeContent(instance.idInstance, chatId, idMessage, found.direction, (content) =>
      deletedContent(content, idMessage),
    );
    if (!onlyForMe && found.direction === "outgoing") {
      await this.deps.connectors.for(instance).deleteForEveryone(instance, chatId, idMessage);
    }
    return "deleted";
  }

  // What the owner sets per chat

  /** The settings of every chat the owner set something for, by chat id. */
  async chatSettings(instance: Instance): Promise<Map<string, ChatSettings>> {
    return new Map((await this.deps.chatSettings.list(instance.idInstance)).map((settings) => [settings.chatId, settings]));
  }

  async chatSettingsOf(instance: Instance, chatId: string): Promise<ChatSettings> {
    return (await this.deps.chatSettings.find(instance.idInstance, chatId)) ?? { chatId, ...NO_CHAT_SETTINGS };
  }

  /** Archives a chat (false when it has no message to archive, as WhatsApp refuses then) or takes it out of the archive. */
  async setArchived(instance: Instance, chatId: string, isArchived: boolean): Promise<boolean> {
    if (isArchived && (await this.deps.messages.listChat(instance.idInstance, chatId, 1)).length === 0) return false;
    await this.deps.chatSettings.change(instance.idInstance, chatId, { is_archived: isArchived ? 1 : 0 });
    return true;
  }

  /** Messages of the chat disappear after `seconds` (0: never). */
  async setDisappearing(instance: Instance, chatId: string, seconds: number): Promise<void> {
    await this.deps.chatSettings.change(instance.idInstance, chatId, {
      ephemeral_expiration: seconds,
      ephemeral_set_at: this.deps.clock.now(),
    });
  }

  /** Saves the chat's contact in the address book under this name, or takes it out (undefined). */
  async saveContact(instance: Instance, chatId: string, name: { firstName: string; lastName: string } | undefined): Promise<void> {
    await this.deps.chatSettings.change(instance.idInstance, chatId, {
      contact_first_name: name?.firstName ?? null,
      contact_last_name: name?.lastName ?? "",
    });
  }

  // The phone, through the connector

  async readChat(instance: Instance, chatId: string, idMessage?: string): Promise<void> {
    await this.deps.connectors.for(instance).readChat(instance, chatId, idMessage);
  }

  hasAccount(instance: Instance, phoneNumber: string): Promise<boolean> {
    return this.deps.connectors.for(instance).hasAccount(instance, phoneNumber);
  }

  /** The network's contacts with the names the owner saved, and the contacts saved in the address book only. */
  async contacts(instance: Instance): Promise<Contact[]> {
    const known = await this.deps.connectors.for(instance).contacts(instance);
    const saved = await this.chatSettings(instance);
    const listed = known.map((contact) => ({ ...contact, contactName: contactNameOf(saved.get(contact.id)) || contact.contactName }));
    const listedIds = new Set(known.map((contact) => contact.id));
    for (const settings of saved.values()) {
      if (settings.contact && !listedIds.has(settings.chatId)) {
        listed.push({ id: settings.chatId, name: "", contactName: contactNameOf(settings), type: "user" });
      }
    }
    return listed;
  }

  // Notifications

  receiveNotification(instance: Instance, timeoutMs: number, signal?: AbortSignal): Promise<Notification | undefined> {
    return this.deps.notifications.receive(instance.idInstance, timeoutMs, signal);
  }

  deleteNotification(instance: Instance, receiptId: number): Promise<boolean> {
    return this.deps.notifications.delete(instance.idInstance, receiptId);
  }

  countNotifications(instance: Instance): Promise<number> {
    return this.deps.notifications.count(instance.idInstance);
  }

  /** Empties the queue unless it was emptied less than everyMs ago; answers the wait left (0 = cleared). */
  clearNotificationsAtMostEvery(instance: Instance, everyMs: number): Promise<number> {
    return this.deps.notifications.clearAtMostEvery(instance.idInstance, everyMs);
  }

  // Background work

  /**
   * Starts this node's part: listening to the other nodes, holding leases (each acquired instance's
   * connector starts, a lost one's stops), and the send loop.
   */
  async start(options: { runsLoops?: boolean } = {}): Promise<void> {
    const runsLoops = options.runsLoops ?? true;
    this.deps.leases.onChange((changes) => this.applyLeaseChanges(changes));
    await this.deps.signals.start();
    if (!this.deps.leases.isClustered) await this.startAllConnectors();
    // Under a clock a test moves by hand, the test drives leases and sends itself.
    else if (runsLoops) await this.deps.leases.start();
    else await this.deps.leases.tick();
    if (runsLoops) {
      this.deps.sendLoop.start();
      this.deps.webhookDelivery.start();
    }
  }

  async stop(): Promise<void> {
    // Every part stops even when one fails (a database gone): a listening connection left open
    // would keep the pool, and the process, from closing.
    try {
      await this.deps.webhookDelivery.stop();
      await this.deps.sendLoop.stop();
      await this.deps.writer.drain();
    } finally {
      try {
        await this.deps.leases.stop();
      } finally {
        await this.deps.signals.stop();
      }
    }
  }

  /** One node (SQLite) holds every instance: each connector session starts at once. */
  private async startAllConnectors(): Promise<void> {
    // Sandbox sessions need nothing opened; a connector that does opens them here.
    for (const kind of this.deps.connectors.kinds) {
      if (!this.deps.connectors.hasLiveSessions(kind)) continue;
      for (const instance of await this.deps.instances.listByConnector(kind)) await this.startConnector(instance);
    }
  }

  private async startConnector(instance: Instance): Promise<void> {
    try {
      await this.deps.connectors.for(instance).start(instance);
    } catch (error) {
      // One instance's connector failing to start must not keep the others (or the node) down.
      this.deps.log.error({ err: error, idInstance: instance.idInstance }, "connector did not start");
    }
  }

  private async applyLeaseChanges(changes: LeaseChanges): Promise<void> {
    for (const idInstance of changes.lost) {
      const instance = await this.deps.instances.find(idInstance);
      if (instance) await this.deps.connectors.for(instance).stop(instance);
    }
    for (const { idInstance, epoch } of changes.acquired) {
      const instance = await this.deps.instances.find(idInstance);
      if (!instance) continue;
      await this.startConnector(instance);
      // Taken over from a node that stopped: what it left half-sent is settled now.
      if (epoch > 1) await this.deps.sendLoop.recoverTakenOver(idInstance);
    }
  }

  /** This node's name and how many instances it holds (logs, /readyz). */
  get node(): { id: string; heldInstances: number | "all"; isRenewingLeases: boolean } {
    const leases = this.deps.leases;
    return { id: leases.nodeId, heldInstances: leases.isClustered ? leases.heldCount : "all", isRenewingLeases: leases.isRenewing };
  }

  /** Renews and claims leases now (tests drive it by hand). */
  tickLeases(): Promise<void> {
    return this.deps.leases.tick();
  }

  /** Ends every "starting" phase that is due. */
  settle(): Promise<void> {
    return this.deps.lifecycle.settle();
  }

  /** Takes the leases due and sends what is due now (tests drive it by hand). */
  async runSendsOnce(): Promise<number> {
    await this.deps.leases.tick();
    return this.deps.sendLoop.runOnce();
  }

  /** Resolves when every acknowledged send handed in so far is written. */
  drainWrites(): Promise<void> {
    return this.deps.writer.drain();
  }

  recoverInterruptedSends(): Promise<number> {
    return this.deps.sendLoop.recoverInterrupted();
  }

  /** What outlived its retention goes: queued messages and notifications after 24 hours, state history after 30 days. */
  async removeExpired(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.messages.deleteQueuedOlderThan(now - SEND_QUEUE_TTL_MS);
    // A webhook's undelivered notifications go to its dead letters, not away.
    await this.deps.webhookDelivery.expireOlderThan(now - WEBHOOK_EXPIRY_MS);
    await this.deps.notifications.deleteOlderThan(now - DAY_MS);
    await this.deps.instances.deleteStateHistoryOlderThan(now - 30 * DAY_MS);
  }
}

/** The name a contact is saved under, "" when it is not in the address book. */
export function contactNameOf(settings: ChatSettings | undefined): string {
  return settings?.contact ? [settings.contact.firstName, settings.contact.lastName].filter(Boolean).join(" ") : "";
}
