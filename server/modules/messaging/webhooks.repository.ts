import type { Kysely, Selectable } from "kysely";
import type { Database, WebhookDeadLetterTable, WebhookDeliveryTable } from "../../db/schema.js";
import { createSortableId } from "../../security/tokens.js";

/** The delivery state of one instance's webhook, as the console shows it (no secret). */
export interface WebhookDeliveryState {
  pausedAt: number | null;
  pausedReason: string;
  headReceiptId: number | null;
  headAttempts: number;
  failingSince: number | null;
  nextAttemptAt: number;
}

export interface WebhookSecrets {
  sealed: string;
  /** The secret before the last rotation, while it still signs. */
  previousSealed: string | null;
  previousUntil: number | null;
}

export interface WebhookAttempt {
  receiptId: number;
  webhookId: string;
  typeWebhook: string;
  attemptedAt: number;
  outcome: "delivered" | "failed" | "gone" | "refused" | "expired";
  statusCode: number | null;
  latencyMs: number;
  error: string;
}

export interface DeadLetter {
  receiptId: number;
  webhookId: string;
  bodyText: string;
  createdAt: number;
  deadAt: number;
  reason: string;
}

/** A delivered head, to record with others in one transaction. */
export interface WebhookConfirmation {
  idInstance: number;
  attempt: WebhookAttempt;
  /** The head had failed before: its retry schedule is cleared. */
  hadRetries: boolean;
}

/** How many attempts each instance keeps for the console. */
const ATTEMPTS_KEPT = 50;

function toState(row: Selectable<WebhookDeliveryTable> | undefined): WebhookDeliveryState {
  return {
    pausedAt: row?.paused_at == null ? null : Number(row.paused_at),
    pausedReason: row?.paused_reason ?? "",
    headReceiptId: row?.head_receipt_id == null ? null : Number(row.head_receipt_id),
    headAttempts: row?.head_attempts ?? 0,
    failingSince: row?.failing_since == null ? null : Number(row.failing_since),
    nextAttemptAt: Number(row?.next_attempt_at ?? 0),
  };
}

/** No head failing: the next one starts afresh. */
function clearedRetry(now: number) {
  return { head_receipt_id: null, head_attempts: 0, failing_since: null, next_attempt_at: 0, updated_at: now };
}

function attemptRow(idInstance: number, attempt: WebhookAttempt) {
  return {
    id: createSortableId(attempt.attemptedAt),
    id_instance: idInstance,
    receipt_id: attempt.receiptId,
    webhook_id: attempt.webhookId,
    type_webhook: attempt.typeWebhook.slice(0, 64),
    attempted_at: attempt.attemptedAt,
    outcome: attempt.outcome,
    status_code: attempt.statusCode,
    latency_ms: attempt.latencyMs,
    error: attempt.error.slice(0, 500),
  };
}

function toDeadLetter(row: Selectable<WebhookDeadLetterTable>): DeadLetter {
  return {
    receiptId: Number(row.receipt_id),
    webhookId: row.webhook_id,
    bodyText: row.body,
    createdAt: Number(row.created_at),
    deadAt: Number(row.dead_at),
    reason: row.reason,
  };
}

/** Webhook delivery: per-instance state and secrets, the attempts log and the dead letters. */
export class WebhooksRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The row, made with a fresh sealed secret the first time (two nodes at once: one insert wins). */
  async ensure(idInstance: number, sealedSecret: () => string, now: number): Promise<void> {
    await this.db
      .insertInto("webhook_delivery")
      .values({
        id_instance: idInstance,
        secret_sealed: sealedSecret(),
        previous_secret_sealed: null,
        previous_secret_until: null,
        paused_at: null,
        paused_reason: "",
        head_receipt_id: null,
        head_attempts: 0,
        failing_since: null,
        next_attempt_at: 0,
        updated_at: now,
      })
      .onConflict((conflict) => conflict.column("id_instance").doNothing())
      .execute();
  }

  /** The instance's delivery state and signing secrets, in one read (no secrets before the row is made). */
  async delivery(idInstance: number): Promise<{ state: WebhookDeliveryState; secrets: WebhookSecrets | undefined }> {
    const row = await this.db.selectFrom("webhook_delivery").selectAll().where("id_instance", "=", idInstance).executeTakeFirst();
    return {
      state: toState(row),
      secrets: row
        ? {
            sealed: row.secret_sealed,
            previousSealed: row.previous_secret_sealed,
            previousUntil: row.previous_secret_until == null ? null : Number(row.previous_secret_until),
          }
        : undefined,
    };
  }

  /**
   * Receivers confirmed these heads: each one's attempt recorded, its notification gone and its
   * retry schedule cleared, all in one transaction (group commit: one write for many deliveries).
   */
  async recordDelivered(confirmations: WebhookConfirmation[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("webhook_attempt")
        .values(confirmations.map(({ idInstance, attempt }) => attemptRow(idInstance, attempt)))
        .execute();
      for (const { idInstance, attempt, hadRetries } of confirmations) {
        await trx.deleteFrom("notification").where("id_instance", "=", idInstance).where("receipt_id", "=", attempt.receiptId).execute();
        if (!hadRetries) continue;
        await trx.updateTable("webhook_delivery").set(clearedRetry(attempt.attemptedAt)).where("id_instance", "=", idInstance).execute();
      }
    });
  }

  /** The new secret signs from now on; the current one also signs until `previousUntil`. */
  async rotateSecret(idInstance: number, newSealed: string, previousUntil: number, now: number): Promise<void> {
    await this.db
      .updateTable("webhook_delivery")
      .set((eb) => ({
        previous_secret_sealed: eb.ref("secret_sealed"),
        previous_secret_until: previousUntil,
        secret_sealed: newSealed,
        updated_at: now,
      }))
      .where("id_instance", "=", idInstance)
      .execute();
  }

  /**
   * Instances with a webhookUrl, not paused, whose next attempt is due and whose queue holds
   * something: the ones a delivery pass works on.
   */
  async listDue(now: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("instance")
      .leftJoin("webhook_delivery", "webhook_delivery.id_instance", "instance.id_instance")
      .select("instance.id_instance")
      .where("instance.webhook_enabled", "=", 1)
      .where("webhook_delivery.paused_at", "is", null)
      .where((eb) => eb.or([eb("webhook_delivery.next_attempt_at", "is", null), eb("webhook_delivery.next_attempt_at", "<=", now)]))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("notification")
            .select("notification.id_instance")
            .whereRef("notification.id_instance", "=", "instance.id_instance"),
        ),
      )
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.id_instance));
  }

  /** Webhook instances holding a notification stored before `cutoff`. */
  async listWithNotificationsBefore(cutoff: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("notification")
      .innerJoin("instance", "instance.id_instance", "notification.id_instance")
      .select("notification.id_instance")
      .distinct()
      .where("instance.webhook_enabled", "=", 1)
      .where("notification.created_at", "<", cutoff)
      .execute();
    return rows.map((row) => Number(row.id_instance));
  }

  /** The earliest retry that is not due yet: when the next pass is needed. */
  async nextRetryAt(now: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("webhook_delivery")
      .innerJoin("instance", "instance.id_instance", "webhook_delivery.id_instance")
      .select((eb) => eb.fn.min("webhook_delivery.next_attempt_at").as("next"))
      .where("instance.webhook_enabled", "=", 1)
      .where("webhook_delivery.paused_at", "is", null)
      .where("webhook_delivery.next_attempt_at", ">", now)
      .executeTakeFirst();
    return row?.next == null ? undefined : Number(row.next);
  }

  /** The head failed: its attempts so far and when to try again. */
  async scheduleRetry(idInstance: number, receiptId: number, attempts: number, failingSince: number, nextAttemptAt: number, now: number) {
    await this.db
      .updateTable("webhook_delivery")
      .set({
        head_receipt_id: receiptId,
        head_attempts: attempts,
        failing_since: failingSince,
        next_attempt_at: nextAttemptAt,
        updated_at: now,
      })
      .where("id_instance", "=", idInstance)
      .execute();
  }

  /** The head is done with (delivered, expired or cleared): the next one starts afresh. */
  async clearRetry(idInstance: number, now: number): Promise<void> {
    await this.db.updateTable("webhook_delivery").set(clearedRetry(now)).where("id_instance", "=", idInstance).execute();
  }

  async pause(idInstance: number, reason: string, now: number): Promise<void> {
    await this.db
      .updateTable("webhook_delivery")
      .set({ paused_at: now, paused_reason: reason.slice(0, 500), updated_at: now })
      .where("id_instance", "=", idInstance)
      .execute();
  }

  /** Resumed by the person: the head is tried at once. */
  async resume(idInstance: number, now: number): Promise<void> {
    await this.db
      .updateTable("webhook_delivery")
      .set({ paused_at: null, paused_reason: "", next_attempt_at: 0, updated_at: now })
      .where("id_instance", "=", idInstance)
      .execute();
  }

  async recordAttempt(idInstance: number, attempt: WebhookAttempt): Promise<void> {
    await this.db.insertInto("webhook_attempt").values(attemptRow(idInstance, attempt)).execute();
  }

  /** Newest first. */
  async listAttempts(idInstance: number, count: number): Promise<WebhookAttempt[]> {
    const rows = await this.db
      .selectFrom("webhook_attempt")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .orderBy("id", "desc")
      .limit(count)
      .execute();
    return rows.map((row) => ({
      receiptId: Number(row.receipt_id),
      webhookId: row.webhook_id,
      typeWebhook: row.type_webhook,
      attemptedAt: Number(row.attempted_at),
      outcome: row.outcome as WebhookAttempt["outcome"],
      statusCode: row.status_code == null ? null : Number(row.status_code),
      latencyMs: Number(row.latency_ms),
      error: row.error,
    }));
  }

  /** Keeps each instance's newest attempts only (housekeeping). */
  async pruneAttempts(idInstance: number): Promise<void> {
    const keep = await this.db
      .selectFrom("webhook_attempt")
      .select("id")
      .where("id_instance", "=", idInstance)
      .orderBy("id", "desc")
      .offset(ATTEMPTS_KEPT)
      .limit(1)
      .executeTakeFirst();
    if (keep) await this.db.deleteFrom("webhook_attempt").where("id_instance", "=", idInstance).where("id", "<=", keep.id).execute();
  }

  async addDeadLetter(idInstance: number, letter: DeadLetter): Promise<void> {
    await this.db
      .insertInto("webhook_dead_letter")
      .values({
        id_instance: idInstance,
        receipt_id: letter.receiptId,
        webhook_id: letter.webhookId,
        body: letter.bodyText,
        created_at: letter.createdAt,
        dead_at: letter.deadAt,
        reason: letter.reason.slice(0, 500),
      })
      .onConflict((conflict) => conflict.columns(["id_instance", "receipt_id"]).doNothing())
      .execute();
  }

  /** Oldest first: the order they were notified in. */
  async listDeadLetters(idInstance: number, limit: number): Promise<DeadLetter[]> {
    const rows = await this.db
      .selectFrom("webhook_dead_letter")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .orderBy("receipt_id")
      .limit(limit)
      .execute();
    return rows.map(toDeadLetter);
  }

  async findDeadLetter(idInstance: number, receiptId: number): Promise<DeadLetter | undefined> {
    const row = await this.db
      .selectFrom("webhook_dead_letter")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("receipt_id", "=", receiptId)
      .executeTakeFirst();
    return row ? toDeadLetter(row) : undefined;
  }

  async deleteDeadLetter(idInstance: number, receiptId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom("webhook_dead_letter")
      .where("id_instance", "=", idInstance)
      .where("receipt_id", "=", receiptId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async deleteDeadLettersOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("webhook_dead_letter").where("dead_at", "<", cutoff).execute();
  }
}
