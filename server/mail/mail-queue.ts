import type { Kysely, Selectable } from "kysely";
import type { FastifyBaseLogger } from "fastify";
import type { Database, MailJobTable } from "../db/schema.js";
import type { Clock } from "../clock.js";
import { createId } from "../security/tokens.js";

export type MailJobHandler = (payload: unknown, context: { attempt: number }) => Promise<void>;

const LEASE_MS = 60_000;
const POLL_MS = 2_000;
/** A mail that could not be sent in a day is given up (and logged). */
const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

function backoffMs(attempt: number): number {
  return Math.min(15 * 60_000, 5_000 * 2 ** Math.min(attempt, 10));
}

/**
 * A durable queue of mails to send. A request that promises a mail stores the
 * job before it answers, so the promise survives a crash; any node may send it.
 * Payloads hold no secret: a temporary password is made when its mail is sent.
 */
export class MailQueue {
  private readonly handlers = new Map<string, MailJobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopped = true;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  registerHandler(kind: string, handler: MailJobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Stores a job; `owner` names the account it is for, so that deleting the account drops it. */
  async enqueue(kind: string, payload: unknown, owner: { userId?: string; email?: string } = {}): Promise<void> {
    const now = this.clock.now();
    await this.db
      .insertInto("mail_job")
      .values({
        id: createId(),
        kind,
        payload: JSON.stringify(payload),
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        lease_until: null,
        last_error: null,
        user_id: owner.userId ?? null,
        email: owner.email ?? null,
      })
      .execute();
    this.kick();
  }

  /** Drops the pending mail of an account (deleted with it). */
  async deleteFor(userId: string, email: string): Promise<void> {
    await this.db
      .deleteFrom("mail_job")
      .where((eb) => eb.or([eb("user_id", "=", userId), eb("email", "=", email)]))
      .execute();
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
  }

  /** Resolves once nothing is due or being sent; tests use it to wait for mail. */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.log.error({ err: error }, "mail queue failed"))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain) {
          this.drainAgain = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const job = await this.claimNext();
      if (!job) return;
      await this.run(job);
    }
  }

  private async claimNext(): Promise<Selectable<MailJobTable> | undefined> {
    const now = this.clock.now();
    const candidate = await this.db
      .selectFrom("mail_job")
      .select("id")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return undefined;
    // Whoever updates the lease first owns the job; another node simply moves on.
    const claimed = await this.db
      .updateTable("mail_job")
      .set({ lease_until: now + LEASE_MS })
      .where("id", "=", candidate.id)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return this.claimNext();
    return this.db.selectFrom("mail_job").selectAll().where("id", "=", candidate.id).executeTakeFirst();
  }

  private async run(job: Selectable<MailJobTable>): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for mail job kind ${job.kind}`);
      await handler(JSON.parse(job.payload), { attempt: job.attempts });
      await this.db.deleteFrom("mail_job").where("id", "=", job.id).execute();
    } catch (error) {
      const now = this.clock.now();
      const message = error instanceof Error ? error.message : String(error);
      if (now - job.created_at > GIVE_UP_AFTER_MS) {
        this.log.error({ jobId: job.id, kind: job.kind, err: message }, "mail given up after a day of failures");
        await this.db.deleteFrom("mail_job").where("id", "=", job.id).execute();
        return;
      }
      this.log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts + 1, err: message }, "mail not sent; will retry");
      await this.db
        .updateTable("mail_job")
        .set({
          attempts: job.attempts + 1,
          next_attempt_at: now + backoffMs(job.attempts),
          lease_until: null,
          last_error: message.slice(0, 500),
        })
        .where("id", "=", job.id)
        .execute();
    }
  }
}
