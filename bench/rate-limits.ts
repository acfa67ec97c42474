/**
 * What sharing GREEN-API's per-instance, per-method limits through Redis costs, and how well
 * each way of counting holds a limit:
 *   throughput  GET getStateInstance answers a second, as a ratio to the in-process limiter
 *               (one node, the default) measured in the same run: the Redis limiter
 *               (REDIS_URL), and no limits at all (API_RATE_LIMITS=false) for reference.
 *   accuracy    two nodes (two Redis connections) share keys of 50 a second under bursty
 *               demand of about 70 a second; allowed requests per key and clock second,
 *               counted by a window that starts at a key's first request (the library's
 *               own) and by the clock-second window the server uses.
 * Each server runs in a child process of its own and autocannon in this one.
 *
 *   tsx bench/rate-limits.ts
 *   BENCH_DURATION=2 BENCH_ROUNDS=1 tsx bench/rate-limits.ts   shorter
 *   BENCH_PROFILE=/tmp/prof tsx bench/rate-limits.ts   CPU profiles of the servers
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { createRateLimiter, type RateLimiter } from "../server/modules/green-api/rate-limiter.js";
import { startServer, type BenchServer } from "./fixtures/bench-server.js";
import { drive, inRounds, prime, settingsFromEnvironment } from "./fixtures/load.js";
import { printBudget, printTable, summary } from "./fixtures/report.js";
import { REDIS_URL, checkRedis } from "./fixtures/redis.js";

/** More instances than requests a second, so that no instance is asked twice within a second. */
const settings = settingsFromEnvironment({ durationS: 2, warmupS: 1, rounds: 5, connections: 64, instances: 40_000 });
const ACCURACY_S = 5;
const ACCURACY_KEYS = 20;
const ACCURACY_LIMIT = 50;
const BUDGET_REDIS_RATIO = 0.5;
const BUDGET_TOLERANCE = 0.1;

/** Redis's CPU seconds a second during the Redis scenarios: on this machine it shares the cores. */
const redisCpu: number[] = [];

async function redisBusy<T>(run: () => Promise<T>): Promise<T> {
  const connection = new Redis(REDIS_URL);
  const cpuSeconds = async () => {
    const info = await connection.info("cpu");
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
    return field("used_cpu_user") + field("used_cpu_sys");
  };
  try {
    const before = await cpuSeconds();
    const started = performance.now();
    const result = await run();
    redisCpu.push(((await cpuSeconds()) - before) / ((performance.now() - started) / 1_000));
    return result;
  } finally {
    connection.disconnect();
  }
}

type Ask = (key: string) => Promise<boolean>;

interface Accuracy {
  /** Key-seconds that let through the demand, up to the limit, within 10%. */
  within: number;
  total: number;
  /** Most allowed for one key in one clock second. */
  most: number;
  /** Fewest allowed for one key in a clock second whose demand reached the limit. */
  fewest: number;
}

/**
 * ACCURACY_KEYS keys at once, each taking bursts of a fifth of the limit at random instants,
 * about seven a second (1.4 times the limit), handed to the two nodes in turn; every clock
 * second of every key is compared with what it should let through: its demand, up to the limit.
 */
async function accuracy(nodes: [Ask, Ask]): Promise<Accuracy> {
  const start = Math.ceil(Date.now() / 1_000) * 1_000 + 1_000;
  const asked = new Map<string, number>();
  const allowed = new Map<string, number>();
  const add = (counts: Map<string, number>, slot: string) => counts.set(slot, (counts.get(slot) ?? 0) + 1);
  const asks: Array<Promise<void>> = [];
  const timers: Array<Promise<void>> = [];
  for (let k = 0; k < ACCURACY_KEYS; k++) {
    // The same bursts every run.
    let seed = k + 1;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    let turn = 0;
    for (let at = -Math.log(1 - random()) * 140; at < ACCURACY_S * 1_000; at += -Math.log(1 - random()) * 140) {
      const ask = nodes[turn++ % 2]!;
      timers.push(
        new Promise<void>((resolve) =>
          setTimeout(
            () => {
              const slot = `${k}:${Math.floor(Date.now() / 1_000)}`;
              for (let i = 0; i < ACCURACY_LIMIT / 5; i++) {
                add(asked, slot);
                asks.push(ask(`bench:${k}`).then((yes) => void (yes && add(allowed, slot))));
              }
              resolve();
            },
            start + at - Date.now(),
          ),
        ),
      );
    }
  }
  await Promise.all(timers);
  await Promise.all(asks);
  const result: Accuracy = { within: 0, total: 0, most: 0, fewest: Infinity };
  for (let k = 0; k < ACCURACY_KEYS; k++) {
    for (let second = start / 1_000; second < start / 1_000 + ACCURACY_S; second++) {
      const demand = asked.get(`${k}:${second}`) ?? 0;
      const count = allowed.get(`${k}:${second}`) ?? 0;
      result.total++;
      if (Math.abs(count - Math.min(demand, ACCURACY_LIMIT)) <= ACCURACY_LIMIT * BUDGET_TOLERANCE) result.within++;
      result.most = Math.max(result.most, count);
      if (demand >= ACCURACY_LIMIT) result.fewest = Math.min(result.fewest, count);
    }
  }
  return result;
}

async function main(): Promise<void> {
  const folders = await Promise.all([0, 1, 2].map(() => mkdtemp(path.join(os.tmpdir(), "switchboard-bench-"))));
  const servers: BenchServer[] = [];
  const connections: Redis[] = [];
  const limiters: RateLimiter[] = [];
  try {
    await checkRedis();
    const appWith = (folder: string, environment: Record<string, string>) =>
      startServer({ kind: "app", dataDir: folder, instances: settings.instances, environment });
    const [memory, redis, off] = await Promise.all([
      appWith(folders[0]!, {}),
      appWith(folders[1]!, { REDIS_URL }),
      appWith(folders[2]!, { API_RATE_LIMITS: "false" }),
    ]);
    servers.push(memory, redis, off);
    // Every instance cached first, as when all are in use: no scenario's first round pays for it.
    await prime(servers, settings);

    // Each round's figures are ratios to that round's in-process figure; the medians are reported.
    const rounds = await inRounds(
      {
        memory: () => drive("in-process limiter (one node)", [memory], "getStateInstance", settings),
        redis: () => redisBusy(() => drive("Redis limiter (REDIS_URL)", [redis], "getStateInstance", settings)),
        off: () => drive("no limits (API_RATE_LIMITS=false)", [off], "getStateInstance", settings),
      },
      settings.rounds,
    );
    const table = (["memory", "redis", "off"] as const).map((scenario) => summary(rounds, scenario, "memory"));
    await Promise.all(servers.splice(0).map((server) => server.stop()));

    // Two nodes per way of counting, each on a connection of its own; both ways see the same bursts at once.
    const keyPrefix = `switchboard-bench:${randomBytes(4).toString("hex")}`;
    const firstRequestWindow = [0, 1].map(() => {
      const connection = new Redis(REDIS_URL);
      connections.push(connection);
      const limiter = new RateLimiterRedis({
        storeClient: connection,
        keyPrefix: `${keyPrefix}:first`,
        points: ACCURACY_LIMIT,
        duration: 1,
      });
      return (key: string) =>
        limiter.consume(key).then(
          () => true,
          (error: unknown) => {
            if (error instanceof RateLimiterRes) return false;
            throw error;
          },
        );
    }) as [Ask, Ask];
    const log = { warn: () => undefined, info: () => undefined };
    for (let i = 0; i < 2; i++) limiters.push(await createRateLimiter({ redisUrl: REDIS_URL, keyPrefix: `${keyPrefix}:clock`, log }));
    const clockSecond = limiters.map((limiter) => async (key: string) => limiter.allow(key, ACCURACY_LIMIT)) as [Ask, Ask];
    const [byFirstRequest, byClockSecond] = await Promise.all([accuracy(firstRequestWindow), accuracy(clockSecond)]);

    process.stdout.write(
      `Rate limits, ${os.cpus().length} cores, Node ${process.version}, ${settings.connections} connections, ` +
        `${settings.durationS} s each after ${settings.warmupS} s warm-up, ${settings.rounds} rounds (medians shown), ` +
        `${settings.instances} instances, SQLite file, Redis at ${REDIS_URL}\n`,
    );
    printTable("getStateInstance with", table);
    process.stdout.write(
      `  Redis server CPU during the Redis scenario (warm-up included): ${redisCpu.map((share) => `${(share * 100).toFixed(0)}%`).join(" / ")} of a core\n`,
    );
    const redisRatio = table[1]!.ratio;
    printBudget(
      redisRatio >= BUDGET_REDIS_RATIO,
      `Redis limiter ≥ ${BUDGET_REDIS_RATIO * 100}% of the in-process one (${(redisRatio * 100).toFixed(0)}%)`,
    );
    process.stdout.write(
      `  accuracy: ${ACCURACY_KEYS} keys of ${ACCURACY_LIMIT} a second for ${ACCURACY_S} s, two nodes, bursts of ${ACCURACY_LIMIT / 5} about seven times a second;\n` +
        `  clock seconds within ${BUDGET_TOLERANCE * 100}% of the demand up to the limit, most and fewest (demand ≥ limit) allowed in one:\n`,
    );
    for (const [name, figure] of [
      ["window from a key's first request", byFirstRequest],
      ["clock-second window (the server's)", byClockSecond],
    ] as const) {
      process.stdout.write(`    ${name.padEnd(36)} ${figure.within}/${figure.total}  most ${figure.most}  fewest ${figure.fewest}\n`);
    }
    printBudget(byClockSecond.within === byClockSecond.total, `clock-second window within ${BUDGET_TOLERANCE * 100}% in every key-second`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(limiters.map((limiter) => limiter.close()));
    for (const connection of connections) connection.disconnect();
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

await main();
