import type { FastifyBaseLogger } from "fastify";
import { MIN_SEND_DELAY_MS } from "../../../shared/green-api.js";
import type { Clock } from "../../clock.js";
import type { NetworkMessage } from "../../connectors/connector.js";
import type { ConnectorRegistry } from "../../connectors/connector-registry.js";
import type { InstanceLeases } from "./instance-leases.js";
import type { InstanceLifecycle } from "./instance-lifecycle.js";
import type { InstancesRepository } from "./instances.repository.js";
import type { MessagesRepository, QueuedMessage } from "./messages.repository.js";

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
export class SendLoop {
  private timer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The last pass asked for: passes never overlap, so a pass that returns has finished what it found. */
  private pass: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      messages: MessagesRepository;
      instances: InstancesRepository;
      lifecycle: InstanceLifecycle;
      connectors: ConnectorRegistry;
      leases: InstanceLeases;
      clock: Clock;
      log: FastifyBaseLogger;
    },
  ) {}

  /**
   * Settles sends cut short by a crash: a message left "pending" longer than a send can take
   * gets the status the network knows; one that never reached the network goes back to its
   * place in the queue and is sent again, with the same idMessage.
   */
  async recoverInterrupted(): Promise<number> {
    await this.deps.messages.restoreQueuedMarks();
    const stale = await this.deps.messages.listStalePending(this.deps.clock.now() - INTERRUPTED_AFTER_MS, BATCH);
    const mine = stale.filter(({ idInstance }) => this.deps.leases.holds(idInstance));
    for (const { idInstance, idMessage } of mine) await this.settleInterrupted(idInstance, idMessage);
    return mine.length;
  }

  /**
   * An instance this node has just taken over from a node that stopped: the old holder is fenced
   * by the new epoch, so whatever it left "pending" is settled now rather than after a minute.
   */
  async recoverTakenOver(idInstance: number): Promise<void> {
    for (const idMessage of await this.deps.messages.listPendingOf(idInstance)) await this.settleInterrupted(idInstance, idMessage);
  }

  private async settleInterrupted(idInstance: number, idMessage: string): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance) return;
    const reached = await this.deps.connectors.for(instance).deliveryOf(instance, idMessage);
    if (reached) await this.deps.lifecycle.statusChanged(idInstance, idMessage, reached);
    else await this.deps.messages.requeue(idInstance, idMessage);
  }

  start(): void {
    // Each node settles the interrupted sends of the instances it holds, once a minute.
    this.recoveryTimer = setInterval(
      () => void this.recoverInterrupted().catch((error: unknown) => this.deps.log.error({ err: error }, "send recovery failed")),
      INTERRUPTED_AFTER_MS,
    );
    this.recoveryTimer.unref();
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.log.error({ err: error }, "send loop failed"))
        .finally(() => {
          this.running = undefined;
        });
    }, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.recoveryTimer);
    await this.running;
  }

  /** Sends what is due now, after any pass under way (the timer's); returns how many messages left. Tests call it directly. */
  runOnce(): Promise<number> {
    const next = this.pass.catch(() => undefined).then(() => this.sendDue());
    this.pass = next;
    return next;
  }

  private async sendDue(): Promise<number> {
    const now = this.deps.clock.now();
    let sent = 0;
    const node = this.deps.leases.isClustered ? this.deps.leases.owner : undefined;
    for (const idInstance of await this.deps.messages.listInstancesDueToSend(now, BATCH, node)) {
      const head = await this.deps.messages.oldestQueued(idInstance);
      if (!head) {
        await this.deps.messages.markQueueEmpty(idInstance);
        continue;
      }
      if (await this.sendOne(idInstance, head, now)) sent++;
    }
    return sent;
  }

  private async sendOne(idInstance: number, queued: QueuedMessage, now: number): Promise<boolean> {
    const fence = this.deps.leases.fenceOf(idInstance);
    if (fence === "not-held") return false;
    const instance = await this.deps.instances.find(idInstance);
    if (!instance || instance.state !== "authorized") return false;
    const delay = Math.max(MIN_SEND_DELAY_MS, instance.settings.delaySendMessagesMilliseconds);
    if (!(await this.deps.instances.claimSendSlot(idInstance, now, now + delay, fence))) return false;
    const { message: stored } = queued;
    const message: NetworkMessage = {
      idMessage: stored.idMessage,
      chatId: stored.chatId,
      senderId: instance.wid,
      senderName: "",
      typeMessage: stored.typeMessage,
      journal: stored.journal,
      messageData: stored.messageData,
      timestamp: now,
      ...(stored.file ? { file: stored.file } : {}),
    };
    // Out of the queue before it goes: a crash now leaves it in the journal, never sent twice;
    // a message cleared (or taken by another node) since it was read is not sent at all.
    if (!(await this.deps.messages.claimForSending(queued.rowId, now, fence))) return false;
    const connector = this.deps.connectors.for(instance);
    const reached = await connector.send(instance, message);
    if (reached !== "noAccount" && reached !== "failed") await this.deps.lifecycle.apiMessageSent(instance, message);
    await this.deps.lifecycle.statusChanged(idInstance, stored.idMessage, reached);
    if (instance.settings.markIncomingMessagesReadedOnReply === "yes") {
      await connector.readChat(instance, stored.chatId);
    }
    return true;
  }
}
