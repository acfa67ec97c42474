import type { FastifyBaseLogger } from "fastify";
import type { Clock } from "../../clock.js";
import type { MessengerConnector, NetworkMessage } from "../../messenger/connector.js";
import type { InstancesRepository } from "../instances/instances.repository.js";
import type { InstanceEvents } from "./instance-events.js";
import { parseContent, type JournalRepository, type MessageRow } from "./journal.repository.js";
import { readSettings } from "./settings.js";
import { MIN_SEND_DELAY_MS } from "../../../shared/green-api.js";

const TICK_MS = 100;
/** Handing one message to the network takes milliseconds; a minute means the process died meanwhile. */
const INTERRUPTED_AFTER_MS = 60_000;
const BATCH = 200;
/** Queued messages live 24 hours, as GREEN-API's. */
export const SEND_QUEUE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Drains each instance's send queue in order, one message per
 * delaySendMessagesMilliseconds, while the instance is authorized. Claiming a
 * send moves the instance's next_send_at with a conditional update, so that
 * two nodes never send the same instance's messages at once.
 */
export class SendQueue {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      journal: JournalRepository;
      instances: InstancesRepository;
      events: InstanceEvents;
      connector: MessengerConnector;
      clock: Clock;
      log: FastifyBaseLogger;
    },
  ) {}

  /**
   * Settles sends cut short by a crash: a message left "pending" longer than a send can take
   * gets the status the network knows, or "failed" (always notified) if it never arrived.
   */
  async recoverInterrupted(): Promise<number> {
    const stale = await this.deps.journal.listStalePending(this.deps.clock.now() - INTERRUPTED_AFTER_MS, BATCH);
    for (const row of stale) {
      const idInstance = Number(row.id_instance);
      const instance = await this.deps.instances.find(idInstance);
      const reached = instance ? await this.deps.connector.deliveryOf(instance, row.id_message) : undefined;
      await this.deps.events.statusChanged(idInstance, row.id_message, reached ?? "failed");
    }
    return stale.length;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.log.error({ err: error }, "send queue failed"))
        .finally(() => {
          this.running = undefined;
        });
    }, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends what is due now; returns how many messages left. Tests call it directly. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now();
    let sent = 0;
    for (const idInstance of await this.deps.journal.listInstancesDueToSend(now, BATCH)) {
      const head = await this.deps.journal.oldestQueued(idInstance);
      if (!head) {
        await this.deps.journal.markQueueEmpty(idInstance);
        continue;
      }
      if (await this.sendOne(idInstance, head, now)) sent++;
    }
    return sent;
  }

  private async sendOne(idInstance: number, row: MessageRow, now: number): Promise<boolean> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance || instance.state !== "authorized" || instance.next_send_at > now) return false;
    const delay = Math.max(MIN_SEND_DELAY_MS, readSettings(instance.settings).delaySendMessagesMilliseconds);
    const claimed = await this.deps.instances.claimSendSlot(idInstance, now, now + delay);
    if (!claimed) return false;
    const content = parseContent(row);
    const message: NetworkMessage = {
      idMessage: row.id_message,
      chatId: row.chat_id,
      senderId: instance.wid,
      senderName: "",
      typeMessage: row.type_message,
      journal: content.journal,
      messageData: content.messageData,
      timestamp: now,
    };
    // Out of the queue before it goes: a crash now leaves it in the journal, never sent twice;
    // a message cleared (or taken by another node) since it was read is not sent at all.
    if (!(await this.deps.journal.claimForSending(row.id, now))) return false;
    const reached = await this.deps.connector.send(instance, message);
    if (reached !== "noAccount" && reached !== "failed") await this.deps.events.apiMessageSent(instance, message);
    await this.deps.events.statusChanged(idInstance, row.id_message, reached);
    if (readSettings(instance.settings).markIncomingMessagesReadedOnReply === "yes") {
      await this.deps.connector.readChat(instance, row.chat_id);
    }
    return true;
  }
}
