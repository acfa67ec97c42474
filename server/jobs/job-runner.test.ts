import { randomBytes } from "node:crypto";
import { Migrator, sql, type Kysely } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../db/create-db.js";
import * as accounts from "../db/migrations/2026-11-27-0001-accounts.js";
import * as instances from "../db/migrations/2026-11-27-0002-instances.js";
import * as accountLifecycle from "../db/migrations/2026-11-29-0003-account-lifecycle.js";
import * as jobs from "../db/migrations/2026-11-29-0004-jobs.js";
import type { Database } from "../db/schema.js";
import { TestClock } from "../test/test-clock.js";
import { createTestDatabase, testDialect, testPostgresUrl, type TestDatabase } from "../test/test-database.js";
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, JobRunner, RetryLater } from "./job-runner.js";

let database: TestDatabase;
/** A second connection to the same database: another node's. */
let otherNode: Kysely<Database>;
let clock: TestClock;
let logLines: string[];
const runners: JobRunner[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ sqliteInFile: true });
  otherNode = database.connectAgain();
});
afterAll(async () => {
  await database.destroy();
});
beforeEach(async () => {
  clock = new TestClock();
  logLines = [];
  await database.db.deleteFrom("job").execute();
});
afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop();
});

/** A runner whose poll never fires during a test: tests kick it with whenIdle(). */
function newRunner(db: Kysely<Database> = database.db, options: { concurrency?: number; pollMs?: number; random?: () => number } = {}) {
  const log = {
    warn: (...args: unknown[]) => void logLines.push(`warn ${JSON.stringify(args)}`),
    error: (...args: unknown[]) => void logLines.push(`error ${JSON.stringify(args)}`),
  };
  const runner = new JobRunner({ db, clock, log, pollMs: 60 * 60_000, ...options });
  runners.push(runner);
  return runner;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const jobRows = () => database.db.selectFrom("job").selectAll().orderBy("id").execute();
const jobRow = (id: string) => database.db.selectFrom("job").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const both = (...runners: JobRunner[]) => Promise.all(runners.map((runner) => runner.whenIdle()));

describe("job runner", () => {
  it("runs a job once with its payload, then deletes it", async () => {
    const runner = newRunner();
    const seen: unknown[] = [];
    runner.register({ kind: "greet", run: async (payload, context) => void seen.push({ payload, attempt: context.attempt }) });
    runner.start();
    await runner.enqueue("greet", { to: "someone" });
    await runner.whenIdle();
    expect(seen).toEqual([{ payload: { to: "someone" }, attempt: 0 }]);
    expect(await jobRows()).toEqual([]);
    clock.advance(24 * 60 * 60_000);
    await runner.whenIdle();
    expect(seen).toHaveLength(1);
    await expect(runner.enqueue("nobody-handles-this", {})).rejects.toThrow(/not registered/);
  });

  it("retries a failing job with growing, jittered backoff, keeps it dead after its limit, and runs it again when requeued", async () => {
    const runner = newRunner();
    const attempts: number[] = [];
    let failing = true;
    runner.register({
      kind: "flaky",
      maxAttempts: 5,
      run: async (_payload, context) => {
        attempts.push(context.attempt);
        if (failing) throw new Error("endpoint said no");
      },
    });
    runner.start();
    const id = await runner.enqueue("flaky", { to: "someone@example.com" });
    await runner.whenIdle();

    const waits: number[] = [];
    for (let failed = 1; failed < 5; failed++) {
      const row = await jobRow(id);
      expect(row).toMatchObject({ state: "pending", attempts: failed, last_error: "endpoint said no", lease_owner: null });
      const wait = row.run_at - clock.now();
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failed - 1));
      expect(wait).toBeGreaterThanOrEqual(ceiling * 0.75);
      expect(wait).toBeLessThanOrEqual(ceiling);
      waits.push(wait);
      // Not a moment early…
      clock.advance(wait - 1);
      await runner.whenIdle();
      expect(attempts).toHaveLength(failed);
      // …and at once when due.
      clock.advance(1);
      await runner.whenIdle();
      expect(attempts).toHaveLength(failed + 1);
    }
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(new Set(waits).size).toBe(waits.length);
    expect(attempts).toEqual([0, 1, 2, 3, 4]);

    // Dead: kept and visible, never run again by itself.
    expect(await jobRow(id)).toMatchObject({
      state: "dead",
      attempts: 5,
      last_error: "endpoint said no",
      lease_owner: null,
      lease_until: null,
    });
    clock.advance(7 * 24 * 60 * 60_000);
    await runner.whenIdle();
    expect(attempts).toHaveLength(5);
    expect(logLines.filter((line) => line.startsWith("warn"))).toHaveLength(4);
    expect(logLines.filter((line) => line.startsWith("error") && line.includes("dead until requeued"))).toHaveLength(1);
    // The log names the job and the error, never the payload.
    expect(logLines.join("\n")).not.toContain("someone@example.com");

    failing = false;
    expect(await runner.requeue(id)).toBe(true);
    await runner.whenIdle();
    expect(attempts).toEqual([0, 1, 2, 3, 4, 0]);
    expect(await jobRows()).toEqual([]);
    expect(await runner.requeue(id)).toBe(false);
  });

  it("jitters: jobs that fail together come back at different times", async () => {
    const draws = [0, 0.999];
    const runner = newRunner(database.db, { random: () => draws.shift() ?? 0.5 });
    runner.register({
      kind: "down",
      run: async () => {
        throw new Error("down");
      },
    });
    runner.start();
    const first = await runner.enqueue("down", {});
    await runner.whenIdle();
    const second = await runner.enqueue("down", {});
    await runner.whenIdle();
    expect((await jobRow(first)).run_at - clock.now()).toBe(BACKOFF_BASE_MS * 0.75);
    expect((await jobRow(second)).run_at - clock.now()).toBe(Math.round(BACKOFF_BASE_MS * (0.75 + 0.25 * 0.999)));
  });

  it("waits as long as a handler asks (a Retry-After) instead of the backoff", async () => {
    const runner = newRunner();
    runner.register({
      kind: "busy",
      run: async () => {
        throw new RetryLater(120_000, "429, retry after 120 s");
      },
    });
    runner.start();
    const id = await runner.enqueue("busy", {});
    await runner.whenIdle();
    expect(await jobRow(id)).toMatchObject({
      state: "pending",
      attempts: 1,
      run_at: clock.now() + 120_000,
      last_error: "429, retry after 120 s",
    });
  });

  it("gives up by age when the kind says so, and survives handlers that throw anything", async () => {
    const runner = newRunner();
    runner.register({
      kind: "for-a-minute",
      giveUpAfterMs: 60_000,
      run: () => {
        // Thrown before any promise exists, and not an Error.
        throw "broken";
      },
    });
    runner.start();
    const id = await runner.enqueue("for-a-minute", {});
    await runner.whenIdle();
    expect(await jobRow(id)).toMatchObject({ state: "pending", attempts: 1, max_attempts: null, give_up_at: clock.now() + 60_000 });
    clock.advance(60_001);
    await runner.whenIdle();
    expect(await jobRow(id)).toMatchObject({ state: "dead", attempts: 2, last_error: "broken" });
    // Requeued, it gets as long again.
    expect(await runner.requeue(id)).toBe(true);
    await runner.whenIdle();
    expect(await jobRow(id)).toMatchObject({ state: "pending", attempts: 1, give_up_at: clock.now() + 60_000 });
  });

  it("two runners on one database never run one job twice, even when they race for it", async () => {
    const a = newRunner(database.db);
    const b = newRunner(otherNode);
    const runs: string[] = [];
    const handler = {
      kind: "count",
      run: async (_payload: unknown, context: { jobId: string }) => {
        runs.push(context.jobId);
        // Yield, so that the other runner claims meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
    a.register(handler);
    b.register(handler);
    const ids: string[] = [];
    for (let index = 0; index < 60; index++) ids.push(await a.enqueue("count", { index }));
    a.start();
    b.start();
    await both(a, b);
    expect([...runs].sort()).toEqual([...ids].sort());

    // One job at a time, both runners kicked at the same moment.
    for (let round = 0; round < 20; round++) {
      const id = await b.enqueue("count", { round });
      await both(a, b);
      expect(runs.filter((run) => run === id)).toHaveLength(1);
    }
    expect(await jobRows()).toEqual([]);
  });

  it("when a runner dies mid-job, its lease runs out and another runner runs the job; the late finish changes nothing", async () => {
    const a = newRunner(database.db);
    const b = newRunner(otherNode);
    const started = deferred();
    const release = deferred();
    a.register({
      kind: "slow",
      run: async () => {
        started.resolve();
        await release.promise;
      },
    });
    const bAttempts: number[] = [];
    b.register({
      kind: "slow",
      run: async (_payload, context) => {
        bAttempts.push(context.attempt);
        throw new Error("failed on the other node");
      },
    });
    a.start();
    const id = await a.enqueue("slow", {});
    await started.promise;
    expect(await jobRow(id)).toMatchObject({ state: "running", lease_owner: a.name, lease_until: clock.now() + 60_000 });
    // The "crash": a takes nothing more and never finishes this run while b works.
    const stopping = a.stop();
    b.start();
    await b.whenIdle();
    expect(bAttempts).toEqual([]);
    clock.advance(60_001);
    await b.whenIdle();
    expect(bAttempts).toEqual([0]);
    expect(await jobRow(id)).toMatchObject({ state: "pending", attempts: 1, last_error: "failed on the other node", lease_owner: null });

    release.resolve();
    await stopping;
    expect(await jobRow(id)).toMatchObject({ state: "pending", attempts: 1, last_error: "failed on the other node" });
  });

  it("runs one queue key's jobs one at a time, in order, while other keys and keyless jobs go on", async () => {
    const a = newRunner(database.db);
    const b = newRunner(otherNode);
    const events: string[] = [];
    const headGate = deferred();
    const handler = {
      kind: "step",
      run: async (payload: unknown) => {
        const name = (payload as { name: string }).name;
        events.push(`start ${name}`);
        if (name === "a1") await headGate.promise;
        else await new Promise((resolve) => setImmediate(resolve));
        events.push(`end ${name}`);
      },
    };
    a.register(handler);
    b.register(handler);
    for (const [name, queueKey] of [
      ["a1", "A"],
      ["b1", "B"],
      ["a2", "A"],
      ["c1", undefined],
      ["b2", "B"],
      ["a3", "A"],
      ["c2", undefined],
    ] as const) {
      await a.enqueue("step", { name }, queueKey ? { queueKey } : {});
    }
    a.start();
    b.start();
    await vi.waitFor(() => expect(events).toEqual(expect.arrayContaining(["start a1", "end b2", "end c1", "end c2"])));
    // Due, yet held behind their running head.
    expect(events).not.toContain("start a2");
    const states = await database.db.selectFrom("job").select("state").where("queue_key", "=", "A").orderBy("id").execute();
    expect(states.map((row) => row.state)).toEqual(["running", "pending", "pending"]);

    headGate.resolve();
    await vi.waitFor(() => expect(events).toContain("end a3"));
    await both(a, b);
    const of = (prefix: string) =>
      events.filter((event) => event.endsWith(` ${prefix}1`) || event.endsWith(` ${prefix}2`) || event.endsWith(` ${prefix}3`));
    expect(of("a")).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    expect(of("b")).toEqual(["start b1", "end b1", "start b2", "end b2"]);
  });

  it("holds a queue behind a failing head until the head succeeds; a dead head lets the queue go on", async () => {
    const runner = newRunner();
    const runs: string[] = [];
    const failuresLeft: Record<string, number> = { h1: 1, k1: 99 };
    runner.register({
      kind: "deliver",
      maxAttempts: 2,
      run: async (payload) => {
        const name = (payload as { name: string }).name;
        runs.push(name);
        if ((failuresLeft[name] ?? 0) > 0) {
          failuresLeft[name]!--;
          throw new Error(`${name} refused`);
        }
      },
    });
    runner.start();
    await runner.enqueue("deliver", { name: "h1" }, { queueKey: "H" });
    await runner.enqueue("deliver", { name: "h2" }, { queueKey: "H" });
    const k1 = await runner.enqueue("deliver", { name: "k1" }, { queueKey: "K" });
    await runner.enqueue("deliver", { name: "k2" }, { queueKey: "K" });
    await runner.whenIdle();
    expect(runs).toEqual(["h1", "k1"]);
    clock.advance(BACKOFF_BASE_MS);
    await runner.whenIdle();
    // h1 went through, then h2; k1 failed its last attempt and is dead, so k2 went.
    expect(runs.filter((name) => name.startsWith("h"))).toEqual(["h1", "h1", "h2"]);
    expect(runs.filter((name) => name.startsWith("k"))).toEqual(["k1", "k1", "k2"]);
    expect((await jobRows()).map((row) => [row.id, row.state])).toEqual([[k1, "dead"]]);
  });

  it("runs a scheduled job once per period across two runners", async () => {
    const a = newRunner(database.db);
    const b = newRunner(otherNode);
    let ticks = 0;
    const handler = { kind: "tick", run: async () => void ticks++ };
    for (const runner of [a, b]) {
      runner.register(handler);
      runner.schedule("tick", 60_000);
      runner.start();
    }
    await both(a, b);
    expect(ticks).toBe(0);
    // The clock starts on a minute: the first period ends a minute later.
    expect(await jobRow("schedule:tick")).toMatchObject({ state: "pending", run_at: clock.now() + 60_000, queue_key: null });
    for (let period = 1; period <= 5; period++) {
      clock.advance(60_000);
      await both(a, b);
      await both(b, a);
      expect(ticks).toBe(period);
    }
    // Ten periods missed (every node down) make one run, not ten.
    clock.advance(10 * 60_000);
    await both(a, b);
    expect(ticks).toBe(6);
    expect(await jobRow("schedule:tick")).toMatchObject({ state: "pending", attempts: 0, run_at: clock.now() + 60_000 });
  });

  it("retries a failing scheduled job no later than its next period, and never lets it die", async () => {
    const runner = newRunner();
    runner.register({
      kind: "broken-tick",
      run: async () => {
        throw new Error("cannot tidy");
      },
    });
    runner.schedule("broken-tick", 3_000);
    runner.start();
    for (let period = 1; period <= 12; period++) {
      clock.advance(3_000);
      await runner.whenIdle();
      // The backoff (3.75 s at the least) is longer than the period: the next period comes first.
      expect(await jobRow("schedule:broken-tick")).toMatchObject({ state: "pending", attempts: period, run_at: clock.now() + 3_000 });
    }
  });

  it("stores a job in the caller's transaction: rolled back, it never existed; committed, it runs", async () => {
    const runner = newRunner();
    const seen: unknown[] = [];
    runner.register({ kind: "greet", run: async (payload) => void seen.push(payload) });
    runner.start();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await runner.enqueue("greet", { n: 1 }, { transaction: trx });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await jobRows()).toEqual([]);
    await runner.whenIdle();
    expect(seen).toEqual([]);

    await database.db.transaction().execute((trx) => runner.enqueue("greet", { n: 2 }, { transaction: trx }));
    await runner.whenIdle();
    expect(seen).toEqual([{ n: 2 }]);
  });

  it("finds by its poll a job another node stored, and claims only kinds it has a handler for", async () => {
    const storer = newRunner(database.db);
    storer.register({ kind: "poll-me", run: async () => undefined });
    storer.register({ kind: "not-mine", run: async () => undefined });
    const seen: string[] = [];
    const poller = newRunner(otherNode, { pollMs: 20 });
    poller.register({ kind: "poll-me", run: async (_payload, context) => void seen.push(context.jobId) });
    poller.start();
    const notMine = await storer.enqueue("not-mine", {});
    const id = await storer.enqueue("poll-me", {});
    await vi.waitFor(() => expect(seen).toEqual([id]));
    await poller.whenIdle();
    expect((await jobRows()).map((row) => row.id)).toEqual([notMine]);
  });

  it("drops an account's jobs, dead ones too, and leaves others' alone", async () => {
    const runner = newRunner();
    runner.register({ kind: "mail.notice", run: async () => undefined });
    await runner.enqueue("mail.notice", {}, { userId: "user-1" });
    await runner.enqueue("mail.notice", {}, { email: "one@example.com" });
    const kept = await runner.enqueue("mail.notice", {}, { userId: "user-2", email: "two@example.com" });
    await database.db.updateTable("job").set({ state: "dead" }).where("user_id", "=", "user-1").execute();
    await runner.deleteForAccount("user-1", "one@example.com");
    expect((await jobRows()).map((row) => row.id)).toEqual([kept]);
  });
});

describe("the jobs migration", () => {
  it("moves pending mail from mail_job into job, with its attempts and its day, and back down", async () => {
    const schema = `m_${randomBytes(5).toString("hex")}`;
    const admin = testDialect === "postgres" ? createDb({ dialect: "postgres", url: testPostgresUrl }) : undefined;
    if (admin) await sql`create schema ${sql.id(schema)}`.execute(admin);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tables of the day before this migration
    const db: Kysely<any> = admin
      ? createDb({ dialect: "postgres", url: testPostgresUrl }, { searchPath: schema })
      : createDb({ dialect: "sqlite", file: ":memory:" });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => ({ "0001": accounts, "0002": instances, "0003": accountLifecycle, "0004": jobs }) },
      ...(admin ? { migrationTableSchema: schema } : {}),
    });
    try {
      expect((await migrator.migrateTo("0003")).error).toBeUndefined();
      const createdAt = Date.UTC(2026, 10, 28, 9, 0, 0);
      await db
        .insertInto("mail_job")
        .values({
          id: "6f1c1f0e-6d8e-4c57-9d0b-1c0f3f2f9a11",
          kind: "temporary_password",
          payload: JSON.stringify({ email: "someone@example.com" }),
          created_at: createdAt,
          attempts: 3,
          next_attempt_at: createdAt + 40_000,
          lease_until: createdAt + 60_000,
          last_error: "connection refused",
          user_id: null,
          email: "someone@example.com",
        })
        .execute();
      expect((await migrator.migrateTo("0004")).error).toBeUndefined();
      expect(await db.selectFrom("job").selectAll().execute()).toEqual([
        {
          id: "6f1c1f0e-6d8e-4c57-9d0b-1c0f3f2f9a11",
          kind: "mail.temporary_password",
          queue_key: null,
          payload: JSON.stringify({ email: "someone@example.com" }),
          state: "pending",
          attempts: 3,
          max_attempts: null,
          give_up_at: createdAt + 24 * 60 * 60_000,
          run_at: createdAt + 40_000,
          lease_owner: null,
          lease_until: null,
          last_error: "connection refused",
          user_id: null,
          email: "someone@example.com",
          created_at: createdAt,
          updated_at: createdAt,
        },
      ]);
      const tables = (await db.introspection.getTables()).filter((table) => !admin || table.schema === schema);
      expect(tables.map((table) => table.name)).not.toContain("mail_job");

      expect((await migrator.migrateDown()).error).toBeUndefined();
      expect(await db.selectFrom("mail_job").select(["kind", "attempts", "next_attempt_at"]).execute()).toEqual([
        { kind: "temporary_password", attempts: 3, next_attempt_at: createdAt + 40_000 },
      ]);
    } finally {
      await db.destroy();
      if (admin) {
        await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
        await admin.destroy();
      }
    }
  });
});
