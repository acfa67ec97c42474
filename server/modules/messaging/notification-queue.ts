import { EventEmitter } from "node:events";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import type { Clock } from "../../clock.js";
import type { DatabaseSignals } from "../../db/database-signals.js";
import type { Notification } from "./instance.js";
import { createSortableId } from "../../security/tokens.js";

/** A notification as stored, for a webhook push. */
export interface StoredNotification {
  receiptId: number;
  /** The JSON text receiveNotification answers in `body`, byte for byte. */
  bodyText: string;
  createdAt: number;
  webhookId: string;
}

/** A signal from another node can be lost (a dropped connection): a waiting poll also looks this often. */
const RECHECK_MS = 5_000;

/**
 * The durable notification queue of each instance: FIFO by receiptId, the head
 * is answered until it is deleted, long polls wake as soon as something arrives.
 */
export class NotificationQueue {
  private readonly arrivals = new EventEmitter();
  private readonly anyArrival = new EventEmitter();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly signals: DatabaseSignals,
  ) {
    this.arrivals.setMaxListeners(0);
    // Whichever node stored a notification, waiting polls on every node wake up.
    signals.subscribe("notification", (idInstance) => {
      this.arrivals.emit(idInstance);
      this.anyArrival.emit("arrival", idInstance);
    });
  }

  async push(idInstance: number, body: Record<string, unknown>): Promise<number> {
    return this.pushStored(idInstance, JSON.stringify(body), `msg_${createSortableId(this.clock.now())}`);
  }

  /** Stores a body already serialized, under a given webhook-id (a dead letter replayed keeps its own). */
  async pushStored(idInstance: number, bodyText: string, webhookId: string): Promise<number> {
    // The receiptId and the row in one transaction: two pushes at once cannot land out of order.
    const receiptId = await this.db.transaction().execute(async (trx) => {
      const counter = await trx
        .updateTable("instance")
        .set({ last_receipt_id: sql<number>`last_receipt_id + 1` })
        .where("id_instance", "=", idInstance)
        .returning("last_receipt_id")
        .executeTakeFirst();
      if (!counter) throw new Error(`instance ${idInstance} is gone`);
      const next = Number(counter.last_receipt_id);
      await trx
        .insertInto("notification")
        .values({ id_instance: idInstance, receipt_id: next, body: bodyText, created_at: this.clock.now(), webhook_id: webhookId })
        .execute();
      return next;
    });
    await this.signals.publish("notification", String(idInstance));
    return receiptId;
  }

  async head(idInstance: number): Promise<Notification | undefined> {
    const row = await this.db
      .selectFrom("notification")
      .select(["receipt_id", "body"])
      .where("id_instance", "=", idInstance)
      .orderBy("receipt_id")
      .limit(1)
      .executeTakeFirst();
    return row ? { receiptId: Number(row.receipt_id), body: JSON.parse(row.body) as Record<string, unknown> } : undefined;
  }

  /** The head as stored, for a push: the exact body text, its webhook-id and age. */
  async storedHead(idInstance: number): Promise<StoredNotification | undefined> {
    const row = await this.db
      .selectFrom("notification")
      .select(["receipt_id", "body", "created_at", "webhook_id"])
      .where("id_instance", "=", idInstance)
      .orderBy("receipt_id")
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const receiptId = Number(row.receipt_id);
    return {
      receiptId,
      bodyText: row.body,
      createdAt: Number(row.created_at),
      // Stored before webhooks existed: an id derived from what identifies it, stable across attempts.
      webhookId: row.webhook_id || `msg_${idInstance}_${receiptId}_${Number(row.created_at).toString(36)}`,
    };
  }

  /** Wakes when a notification is stored for this instance, on any node. */
  onArrival(listener: (idInstance: number) => void): () => void {
    const onAny = (idInstance: string) => listener(Number(idInstance));
    this.anyArrival.on("arrival", onAny);
    return () => this.anyArrival.off("arrival", onAny);
  }

  /** The head, waiting up to timeoutMs for one to arrive; undefined when none came. */
  async receive(idInstance: number, timeoutMs: number, signal?: AbortSignal): Promise<Notification | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const head = await this.head(idInstance);
      if (head) return head;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) return undefined;
      await this.waitForArrival(idInstance, Math.min(remaining, RECHECK_MS), signal);
    }
  }

  private waitForArrival(idInstance: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const key = String(idInstance);
      const done = () => {
        clearTimeout(timer);
        this.arrivals.off(key, done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.arrivals.once(key, done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async delete(idInstance: number, receiptId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom("notification")
      .where("id_instance", "=", idInstance)
      .where("receipt_id", "=", receiptId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async count(idInstance: number): Promise<number> {
    const row = await this.db
      .selectFrom("notification")
      .select((eb) => eb.fn.countAll().as("count"))
      .where("id_instance", "=", idInstance)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  private readonly lastCleared = new Map<number, number>();

  /** Empties the queue unless it was emptied less than everyMs ago; returns the wait left (0 = cleared). */
  async clearAtMostEvery(idInstance: number, everyMs: number): Promise<number> {
    const now = this.clock.now();
    const last = this.lastCleared.get(idInstance);
    if (last !== undefined && now - last < everyMs) return last + everyMs - now;
    this.lastCleared.set(idInstance, now);
    await this.db.deleteFrom("notification").where("id_instance", "=", idInstance).execute();
    return 0;
  }

  async deleteOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("notification").where("created_at", "<", cutoff).execute();
  }
}
