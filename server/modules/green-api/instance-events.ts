import type { Clock } from "../../clock.js";
import type { ConnectorEvents, DeliveryStatus, MessengerConnector, NetworkMessage } from "../../messenger/connector.js";
import { createSortableId } from "../../security/tokens.js";
import type { InstanceRow, InstancesRepository } from "../instances/instances.repository.js";
import type { JournalRepository, MessageRow } from "./journal.repository.js";
import type { NotificationQueue } from "./notifications.js";
import { readSettings } from "./settings.js";
import { phoneOf } from "./ids.js";

/** How long an instance stays "starting" after linking, a reboot or new settings. */
export const STARTING_MS = 1_500;

/** Statuses only move forward: a late "delivered" never undoes "read". */
const PROGRESSION: readonly DeliveryStatus[] = ["sent", "delivered", "read"];
const STATUS_RANK: Record<string, number> = { queued: 0, pending: 0, sent: 1, delivered: 2, read: 3, noAccount: 4, failed: 4 };

export function instanceData(instance: InstanceRow) {
  return { idInstance: Number(instance.id_instance), wid: instance.wid, typeInstance: "whatsapp" };
}

/**
 * Turns what happens to an instance into its state, its journal and its
 * notifications, each notification gated by the instance's settings exactly as
 * GREEN-API's flags gate them.
 */
export class InstanceEvents implements ConnectorEvents {
  private connector: MessengerConnector | undefined;

  constructor(
    private readonly deps: {
      instances: InstancesRepository;
      journal: JournalRepository;
      notifications: NotificationQueue;
      clock: Clock;
    },
  ) {}

  /** The connector reads events and events call the connector (auto-read): tie them after both exist. */
  attach(connector: MessengerConnector): void {
    this.connector = connector;
  }

  private async notify(instance: InstanceRow, typeWebhook: string, fields: Record<string, unknown>, timestamp = this.deps.clock.now()) {
    await this.deps.notifications.push(Number(instance.id_instance), {
      typeWebhook,
      instanceData: instanceData(instance),
      timestamp: Math.floor(timestamp / 1000),
      ...fields,
    });
  }

  /** Moves an instance to a state, records it and tells the owner when stateWebhook is on. */
  async changeState(
    instance: InstanceRow,
    state: string,
    changes: { wid?: string; settlesAt?: number | null } = {},
    options: { onlyIfUnchanged?: boolean } = {},
  ): Promise<InstanceRow> {
    const now = this.deps.clock.now();
    const wid = changes.wid ?? instance.wid;
    const updated: InstanceRow = {
      ...instance,
      state,
      wid,
      state_settles_at: changes.settlesAt === undefined ? instance.state_settles_at : changes.settlesAt,
      updated_at: now,
    };
    const write = {
      state,
      ...(changes.wid !== undefined ? { wid } : {}),
      state_settles_at: updated.state_settles_at,
      updated_at: now,
    };
    if (options.onlyIfUnchanged) {
      // An automatic change (the end of "starting") yields to anything a person did meanwhile.
      const changed = await this.deps.instances.updateIfUnchanged(instance, write);
      if (!changed) return (await this.deps.instances.find(Number(instance.id_instance))) ?? instance;
    } else {
      // What a person asks for (logout, reboot, link) applies whatever happened meanwhile.
      await this.deps.instances.update(Number(instance.id_instance), write);
    }
    if (state !== instance.state) {
      await this.deps.instances.recordState(Number(instance.id_instance), state, phoneOf(wid), now);
      if (readSettings(instance.settings).stateWebhook === "yes") {
        await this.notify(updated, "stateInstanceChanged", { stateInstance: state });
      }
    }
    return updated;
  }

  /** Reboot, new settings and linking pass through "starting". */
  async restart(instance: InstanceRow, wid?: string): Promise<InstanceRow> {
    return this.changeState(instance, "starting", {
      ...(wid !== undefined ? { wid } : {}),
      settlesAt: this.deps.clock.now() + STARTING_MS,
    });
  }

  private settling: Promise<void> | undefined;

  /** Ends every "starting" phase that is due; overlapping calls share one pass. */
  settle(): Promise<void> {
    this.settling ??= this.settleDue().finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private async settleDue(): Promise<void> {
    for (const instance of await this.deps.instances.listSettling(this.deps.clock.now())) {
      await this.changeState(instance, instance.wid ? "authorized" : "notAuthorized", { settlesAt: null }, { onlyIfUnchanged: true });
    }
  }

  async linked(idInstance: number, wid: string): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance) return;
    await this.deps.instances.update(idInstance, {
      link_code: null,
      link_code_expires_at: null,
      pairing_code: null,
      pairing_phone: null,
      pairing_code_expires_at: null,
    });
    await this.restart(instance, wid);
  }

  async unlinked(idInstance: number): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (instance) await this.changeState(instance, "notAuthorized", { wid: "", settlesAt: null });
  }

  async incomingMessage(idInstance: number, message: NetworkMessage): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    // A linked instance that is restarting still gets what arrives meanwhile.
    if (!instance?.wid) return;
    const inserted = await this.deps.journal.insertOnce(journalRow(idInstance, "incoming", message, { status: "", sendByApi: false }));
    if (!inserted) return;
    const settings = readSettings(instance.settings);
    if (settings.incomingWebhook === "yes") {
      await this.notify(
        instance,
        "incomingMessageReceived",
        {
          idMessage: message.idMessage,
          senderData: {
            chatId: message.chatId,
            chatName: message.senderName,
            sender: message.senderId,
            senderName: message.senderName,
            senderContactName: "",
          },
          messageData: message.messageData,
        },
        message.timestamp,
      );
    }
    if (settings.markIncomingMessagesReaded === "yes") {
      await this.connector?.readChat(instance, message.chatId, message.idMessage);
    }
  }

  async outgoingFromPhone(idInstance: number, message: NetworkMessage): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance?.wid) return;
    const inserted = await this.deps.journal.insertOnce(journalRow(idInstance, "outgoing", message, { status: "sent", sendByApi: false }));
    if (inserted && readSettings(instance.settings).outgoingMessageWebhook === "yes") {
      await this.notify(instance, "outgoingMessageReceived", ownMessageFields(instance, message), message.timestamp);
    }
  }

  /** After the API's own message left: outgoingAPIMessageReceived, when enabled. */
  async apiMessageSent(instance: InstanceRow, message: NetworkMessage): Promise<void> {
    if (readSettings(instance.settings).outgoingAPIMessageWebhook === "yes") {
      await this.notify(instance, "outgoingAPIMessageReceived", ownMessageFields(instance, message), message.timestamp);
    }
  }

  /**
   * Moves a sent message's status forward to `status`, through every step before it (sent,
   * delivered, read), telling the owner of each step once. Each step is a conditional update
   * from a lower status, so concurrent reports never move a status back or repeat one.
   */
  async statusChanged(idInstance: number, idMessage: string, status: DeliveryStatus): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance) return;
    // noAccount and failed always reach the owner; the rest only with outgoingWebhook on.
    const isFinalFailure = status === "noAccount" || status === "failed";
    const steps = isFinalFailure ? [status] : PROGRESSION.slice(0, PROGRESSION.indexOf(status) + 1);
    for (const step of steps) {
      const lower = Object.keys(STATUS_RANK).filter((other) => STATUS_RANK[other]! < STATUS_RANK[step]!);
      const message = await this.deps.journal.advanceOutgoingStatus(idInstance, idMessage, step, lower);
      if (!message) continue;
      if (isFinalFailure || readSettings(instance.settings).outgoingWebhook === "yes") {
        await this.notify(instance, "outgoingMessageStatus", {
          chatId: message.chat_id,
          idMessage,
          status: step,
          sendByApi: message.send_by_api === 1,
        });
      }
    }
  }
}

function ownMessageFields(instance: InstanceRow, message: NetworkMessage) {
  return {
    idMessage: message.idMessage,
    senderData: {
      chatId: message.chatId,
      chatName: "",
      sender: instance.wid,
      senderName: "",
      senderContactName: "",
    },
    messageData: message.messageData,
  };
}

export function journalRow(
  idInstance: number,
  direction: "incoming" | "outgoing",
  message: NetworkMessage,
  options: { status: string; sendByApi: boolean; sendMethod?: string; request?: unknown },
): MessageRow {
  return {
    id: createSortableId(message.timestamp),
    id_instance: idInstance,
    id_message: message.idMessage,
    direction,
    chat_id: message.chatId,
    sender_id: message.senderId,
    type_message: message.typeMessage,
    content: JSON.stringify({ journal: message.journal, messageData: message.messageData, senderName: message.senderName }),
    send_method: options.sendMethod ?? null,
    request: options.request === undefined ? null : JSON.stringify(options.request),
    status: options.status,
    send_by_api: options.sendByApi ? 1 : 0,
    is_read: 0,
    created_at: message.timestamp,
    sent_at: null,
  };
}
