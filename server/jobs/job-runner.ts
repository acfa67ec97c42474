import os from "node:os";
import { randomBytes } from "node:crypto";
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from "kysely";
import type { FastifyBaseLogger } from "fastify";
import type { Clock } from "../clock.js";
import { sqliteHandleOf } from "../db/create-db.js";
import type { Database, JobState, JobTable } from "../db/schema.js";
import { createSortableId } from "../security/tokens.js";

type JobRow = Selectable<JobTable>;
type JobLog = Pick<FastifyBaseLogger, "warn" | "error">;

export interface JobContext {
  readonly jobId: string;
  /** 0 on the first attempt, 1 on the first retry, and so on. */
  readonly attempt: number;
}

/** One kind of job says what it does and how long it may keep failing; the runner owns claiming, retries and backoff. */
export interface JobHandler<Payload = unknown> {
  readonly kind: string;
  /** Throws to be retried: with the backoff, or after RetryLater's delay. */
  run(payload: Payload, context: JobContext): Promise<void>;
  /** Dead after this many failed attempts; 10 when neither limit is given. */
  readonly maxAttempts?: number;
  /** Dead when it still fails this long after it was stored. */
  readonly giveUpAfterMs?: number;
  /** How long one run may take before another runner takes the job again (a minute). */
  readonly leaseMs?: number;
}

/** Thrown by a handler that knows when to try again (a Retry-After): that delay replaces the backoff. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

export interface EnqueueOptions {
  /** Jobs with one key run one at a time, in the order they were stored; other keys go on meanwhile. */
  queueKey?: string;
  /** The account the job is for: deleting the account drops it. */
  userId?: string;
  email?: string;
  /** Stores the job in the caller's transaction, so it exists only if that commits; it then runs at the next poll or kick(). */
  transaction?: Kysely<Database>;
}

export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_MAX_MS = 15 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_LEASE_MS = 60_000;
const ERROR_LENGTH = 500;
const CANDIDATES = 10;
/** First key of the PostgreSQL advisory lock that serializes claims within one serial queue. */
const QUEUE_LOCK_SPACE = 7_244_301;
const SCHEDULE_PREFIX = "schedule:";

/**
 * A durable job runner on the `job` table (ADR 0009). Any number of runners, one per node,
 * share the table: a job is taken by a conditional update that sets its lease, so only one runner
 * runs it; a runner that dies leaves a lease that runs out, and the job runs again elsewhere.
 * Failures are retried with jittered exponential backoff until the kind's limit, then the job is
 * kept as dead. Finished jobs are deleted.
 */
export class JobRunner {
  /** Written into lease_owner: which node and process holds a job. */
  readonly name = `${os.hostname().slice(0, 150)}/${process.pid}/${randomBytes(3).toString("hex")}`;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly schedules = new Map<string, number>();
  private schedulesStored = false;
  private readonly running = new Set<Promise<void>>();
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  private readonly log: JobLog;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly random: () => number;
  private readonly isPostgres: boolean;

  constructor(options: {
    db: Kysely<Database>;
    clock: Clock;
    log: JobLog;
    /** How often to look for due jobs besides the kick of each enqueue (2 s). */
    pollMs?: number;
    /** Jobs this runner runs at once (4). */
    concurrency?: number;
    /** Tests pin the jitter. */
    random?: () => number;
  }) {
    this.db = options.db;
    this.clock = options.clock;
    this.log = options.log;
    this.pollMs = options.pollMs ?? 2_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.random = options.random ?? Math.random;
    this.isPostgres = sqliteHandleOf(options.db) === undefined;
  }

  register<Payload>(handler: JobHandler<Payload>): void {
    if (this.handlers.has(handler.kind)) throw new Error(`job kind ${handler.kind} is registered twice`);
    this.handlers.set(handler.kind, handler);
  }

  /**
   * Runs a registered kind once per period (aligned to the epoch), on whichever runner claims it
   * first: one row per schedule, claimed like any job and put back for the next period.
   */
  schedule(kind: string, everyMs: number): void {
    if (!this.handlers.has(kind)) throw new Error(`job kind ${kind} is not registered`);
    this.schedules.set(kind, everyMs);
    this.schedulesStored = false;
  }

  /** Stores a job for a registered kind; returns its id. The payload is stored as JSON and must hold no secret. */
  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`job kind ${kind} is not registered`);
    const now = this.clock.now();
    const id = createSortableId(now);
    await (options.transaction ?? this.db)
      .insertInto("job")
      .values({
        id,
        kind,
        queue_key: options.queueKey ?? null,
        payload: JSON.stringify(payload ?? null),
        state: "pending",
        attempts: 0,
        max_attempts: handler.maxAttempts ?? (handler.giveUpAfterMs === undefined ? DEFAULT_MAX_ATTEMPTS : null),
        give_up_at: handler.giveUpAfterMs === undefined ? null : now + handler.giveUpAfterMs,
        run_at: now,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        user_id: options.userId ?? null,
        email: options.email ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    // A transaction's job is not visible before it commits: the caller kicks then, or the poll finds it.
    if (!options.transaction) this.kick();
    return id;
  }

  /** Puts a dead job back in line with a fresh allowance; false if it is not dead. */
  async requeue(id: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.db
      .updateTable("job")
      .set({
        state: "pending",
        attempts: 0,
        run_at: now,
        // As long again as it first had; null stays null.
        give_up_at: sql<number | null>`give_up_at - created_at + ${now}`,
        updated_at: now,
      })
      .where("id", "=", id)
      .where("state", "=", "dead")
      .executeTakeFirst();
    this.kick();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Drops every job of an account, dead or pending (deleted with the account). */
  async deleteForAccount(userId: string, email: string): Promise<void> {
    await this.db
      .deleteFrom("job")
      .where((eb) => eb.or([eb("user_id", "=", userId), eb("email", "=", email)]))
      .execute();
  }

  start(): void {
    clearInterval(this.timer);
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Takes no new job and waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.draining || this.running.size > 0) await Promise.all([this.draining, ...this.running]);
  }

  /** Runs what is due now and resolves once nothing due is left or running; tests wait with it. */
  async whenIdle(): Promise<void> {
    this.kick();
    while (this.draining || this.running.size > 0) await Promise.all([this.draining, ...this.running]);
  }

  /** Looks for due jobs now (after a transaction that stored one has committed). */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.log.error({ err: errorText(error) }, "job runner could not claim jobs"))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain) {
          this.drainAgain = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    await this.storeSchedules();
    while (!this.stopped) {
      if (this.running.size >= this.concurrency) {
        await Promise.race(this.running);
        continue;
      }
      const job = await this.claimNext();
      if (!job) return;
      const run: Promise<void> = this.run(job)
        .catch((error: unknown) =>
          this.log.error(
            { jobId: job.id, kind: job.kind, err: errorText(error) },
            "job outcome not recorded; it runs again when its lease ends",
          ),
        )
        .finally(() => {
          this.running.delete(run);
          // A free slot, and perhaps the next job of a serial queue.
          this.kick();
        });
      this.running.add(run);
    }
  }

  private async storeSchedules(): Promise<void> {
    if (this.schedulesStored) return;
    const now = this.clock.now();
    for (const [kind, everyMs] of this.schedules) {
      const payload = JSON.stringify({ everyMs });
      await this.db
        .insertInto("job")
        .values({
          id: `${SCHEDULE_PREFIX}${kind}`,
          kind,
          queue_key: null,
          payload,
          state: "pending",
          attempts: 0,
          max_attempts: null,
          give_up_at: null,
          run_at: nextPeriod(now, everyMs),
          lease_owner: null,
          lease_until: null,
          last_error: null,
          user_id: null,
          email: null,
          created_at: now,
          updated_at: now,
        })
        // Every runner stores it; the row that exists stays, with the period of the newest code.
        .onConflict((conflict) => conflict.column("id").doUpdateSet({ payload }))
        .execute();
    }
    this.schedulesStored = true;
  }

  private async claimNext(): Promise<JobRow | undefined> {
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return undefined;
    for (;;) {
      const now = this.clock.now();
      const candidates = await this.db
        .selectFrom("job")
        .select(["id", "kind", "queue_key"])
        .where("kind", "in", kinds)
        .where(claimable(now))
        .where(headOfQueue(now))
        .orderBy("run_at")
        .orderBy("id")
        .limit(CANDIDATES)
        .execute();
      if (candidates.length === 0) return undefined;
      for (const candidate of candidates) {
        const job = await this.claim(candidate, now);
        if (job) return job;
      }
      // Every candidate went to another runner: look again.
    }
  }

  /** The conditional update: whoever sets the lease first owns the job; the others change nothing. */
  private async claim(candidate: { id: string; kind: string; queue_key: string | null }, now: number): Promise<JobRow | undefined> {
    const leaseMs = this.handlers.get(candidate.kind)?.leaseMs ?? DEFAULT_LEASE_MS;
    const take = (db: Kysely<Database>) =>
      db
        .updateTable("job")
        .set({ state: "running", lease_owner: this.name, lease_until: now + leaseMs, updated_at: now })
        .where("id", "=", candidate.id)
        .where(claimable(now))
        .where(headOfQueue(now))
        .returningAll()
        .executeTakeFirst();
    // SQLite runs one write at a time; on PostgreSQL two claims in one queue, each reading before the
    // other's commit, could both see the queue free, so they take turns on the queue's lock.
    if (candidate.queue_key === null || !this.isPostgres) return take(this.db);
    const queueKey = candidate.queue_key;
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(QUEUE_LOCK_SPACE)}, hashtext(${queueKey}))`.execute(trx);
      return take(trx);
    });
  }

  private async run(job: JobRow): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler.run(JSON.parse(job.payload), { jobId: job.id, attempt: job.attempts });
    } catch (error) {
      await this.fail(job, error);
      return;
    }
    await this.succeed(job);
  }

  private async succeed(job: JobRow): Promise<void> {
    const everyMs = periodOf(job);
    if (everyMs === undefined) {
      await this.db.deleteFrom("job").where(this.heldBy(job)).execute();
      return;
    }
    const now = this.clock.now();
    await this.db
      .updateTable("job")
      .set({
        state: "pending",
        attempts: 0,
        run_at: nextPeriod(now, everyMs),
        lease_owner: null,
        lease_until: null,
        last_error: null,
        updated_at: now,
      })
      .where(this.heldBy(job))
      .execute();
  }

  private async fail(job: JobRow, error: unknown): Promise<void> {
    const now = this.clock.now();
    const attempts = job.attempts + 1;
    const message = errorText(error);
    const delay = error instanceof RetryLater ? Math.max(0, error.delayMs) : backoffMs(job.attempts, this.random);
    const everyMs = periodOf(job);
    // Logged without the payload: it names whom the job is for, and the error says what went wrong.
    const context = { jobId: job.id, kind: job.kind, attempt: attempts, err: message };
    let state: JobState = "pending";
    let runAt = now + delay;
    if (everyMs !== undefined) {
      // A schedule never dies: it tries again, at the latest in its next period.
      runAt = Math.min(runAt, nextPeriod(now, everyMs));
      this.log.warn({ ...context, retryInMs: runAt - now }, "scheduled job failed; will retry");
    } else if ((job.max_attempts !== null && attempts >= job.max_attempts) || (job.give_up_at !== null && now > job.give_up_at)) {
      state = "dead";
      runAt = now;
      this.log.error(context, "job given up: dead until requeued");
    } else {
      this.log.warn({ ...context, retryInMs: delay }, "job failed; will retry");
    }
    await this.db
      .updateTable("job")
      .set({ state, attempts, run_at: runAt, lease_owner: null, lease_until: null, last_error: message, updated_at: now })
      .where(this.heldBy(job))
      .execute();
  }

  /** Still this claim's: a runner whose lease ran out (and the job moved on) changes nothing. */
  private heldBy(job: JobRow) {
    return (eb: ExpressionBuilder<Database, "job">) =>
      eb.and([
        eb("job.id", "=", job.id),
        eb("job.state", "=", "running"),
        eb("job.lease_owner", "=", this.name),
        eb("job.lease_until", "=", job.lease_until),
      ]);
  }
}

/** Due and free: pending and due, or running on a lease that has run out. */
function claimable(now: number) {
  return (eb: ExpressionBuilder<Database, "job">) =>
    eb.or([
      eb.and([eb("job.state", "=", "pending"), eb("job.run_at", "<=", now)]),
      eb.and([eb("job.state", "=", "running"), eb("job.lease_until", "<", now)]),
    ]);
}

/** Without a key, always; with one, only the oldest live job of the key, and only while no other of it runs. */
function headOfQueue(now: number) {
  return (eb: ExpressionBuilder<Database, "job">) =>
    eb.or([
      eb("job.queue_key", "is", null),
      eb.not(
        eb.exists(
          eb
            .selectFrom("job as other")
            .select("other.id")
            .whereRef("other.queue_key", "=", "job.queue_key")
            .whereRef("other.id", "<>", "job.id")
            .where((other) =>
              other.or([
                other.and([other("other.state", "in", ["pending", "running"]), other("other.id", "<", other.ref("job.id"))]),
                other.and([other("other.state", "=", "running"), other("other.lease_until", ">=", now)]),
              ]),
            ),
        ),
      ),
    ]);
}

/** Exponential from 5 s up to 15 minutes, less up to a quarter at random: retries spread out, each wait still longer than the last until the cap. */
function backoffMs(failedBefore: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failedBefore, 20));
  return Math.round(ceiling * (0.75 + 0.25 * random()));
}

function nextPeriod(now: number, everyMs: number): number {
  return (Math.floor(now / everyMs) + 1) * everyMs;
}

function periodOf(job: JobRow): number | undefined {
  if (job.id !== `${SCHEDULE_PREFIX}${job.kind}`) return undefined;
  const everyMs = (JSON.parse(job.payload) as { everyMs?: unknown }).everyMs;
  return typeof everyMs === "number" && everyMs > 0 ? everyMs : undefined;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, ERROR_LENGTH);
}
