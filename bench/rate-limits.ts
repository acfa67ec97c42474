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
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startBenchApp, type Credentials } from "./fixtures/bench-app.js";
import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { createRateLimiter, type RateLimiter } from "../server/modules/green-api/rate-limiter.js";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_S = 1;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
/** More instances than requests a second, so that no instance is asked twice within a second. */
const INSTANCE_COUNT = Number(process.env.BENCH_INSTANCES ?? 40_000);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ACCURACY_S = 5;
const ACCURACY_KEYS = 20;
const ACCURACY_LIMIT = 50;
const BUDGET_REDIS_RATIO = 0.5;
const BUDGET_TOLERANCE = 0.1;

type ChildMessage = { kind: "ready"; port: number; instances: Credentials[] };

// ---------------------------------------------------------------- child side

/** The real app on SQLite in a file, with INSTANCE_COUNT instances of one account. */
async function serveApp(dataDir: string, environment: Record<string, string>): Promise<void> {
  const { app, db, instances } = await startBenchApp({ dataDir, instanceCount: INSTANCE_COUNT, environment });

  await app.listen({ port: 0, host: "127.0.0.1" });
  process.once(
    "SIGTERM",
    () =>
      void app
        .close()
        .then(() => db.destroy())
        .then(() => process.exit(0)),
  );
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  process.send!({ kind: "ready", port: address.port, instances } satisfies ChildMessage);
}

// ---------------------------------------------------------------- parent side

interface Child {
  process: ChildProcess;
  ready: ChildMessage;
}

async function startChild(dataDir: string, environment: Record<string, string>): Promise<Child> {
  // BENCH_PROFILE=<folder> writes a CPU profile of each server there.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE] : [];
  const child = spawn(
    process.execPath,
    [...profile, "--import", "tsx", fileURLToPath(import.meta.url), "--serve", dataDir, JSON.stringify(environment)],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const ready = await new Promise<ChildMessage>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server ${JSON.stringify(environment)} exited (${code}) before it was ready`)));
    child.on("message", (message: ChildMessage) => {
      if (message.kind === "ready") resolve(message);
    });
  });
  child.removeAllListeners("exit");
  return { process: child, ready };
}

async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()));
  child.process.kill("SIGTERM");
  const killer = setTimeout(() => child.process.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(killer);
}

interface Figure {
  name: string;
  perSecond: number;
  other: string;
}

/** getStateInstance over every instance in turn, after a warm-up; only 2xx answers count. */
async function measure(name: string, server: Child): Promise<Figure> {
  let next = 0;
  const instances = server.ready.instances;
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${server.ready.port}`,
    connections: CONNECTIONS,
    pipelining: 1,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => {
          const instance = instances[next]!;
          next = (next + 1) % instances.length;
          return { ...request, path: `/waInstance${instance.idInstance}/getStateInstance/${instance.apiTokenInstance}` };
        },
      },
    ],
  };
  await autocannon({ ...options, duration: WARMUP_S });
  const result = await autocannon({ ...options, duration: DURATION_S });
  const other = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, stats]) => `${code}×${stats.count ?? 0}`);
  if (result.errors > 0) other.push(`errors×${result.errors}`);
  if (result.timeouts > 0) other.push(`timeouts×${result.timeouts}`);
  return { name, perSecond: result["2xx"] / result.duration, other: other.join(", ") || "none" };
}

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
  const servers: Child[] = [];
  const connections: Redis[] = [];
  const limiters: RateLimiter[] = [];
  try {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await probe.connect().catch((error: unknown) => {
      throw new Error(`no Redis at ${REDIS_URL} (BENCH_REDIS_URL): ${String(error)}`);
    });
    probe.disconnect();

    const [memory, redis, off] = await Promise.all([
      startChild(folders[0]!, {}),
      startChild(folders[1]!, { REDIS_URL }),
      startChild(folders[2]!, { API_RATE_LIMITS: "false" }),
    ]);
    servers.push(memory, redis, off);

    // The three take turns, ROUNDS times and each round starting with the next one, so that a
    // passing load touches all alike; each round's figures are ratios to that round's in-process
    // figure, and the medians are reported.
    const scenarios = {
      memory: () => measure("in-process limiter (one node)", memory),
      redis: () => redisBusy(() => measure("Redis limiter (REDIS_URL)", redis)),
      off: () => measure("no limits (API_RATE_LIMITS=false)", off),
    };
    const order = ["memory", "redis", "off"] as const;
    const rounds: Array<Record<(typeof order)[number], Figure>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const figures: Partial<Record<(typeof order)[number], Figure>> = {};
      for (let i = 0; i < order.length; i++) {
        const scenario = order[(round + i) % order.length]!;
        figures[scenario] = await scenarios[scenario]();
      }
      rounds.push(figures as Record<(typeof order)[number], Figure>);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const table = order.map((scenario) => ({
      name: rounds[0]![scenario].name,
      perSecond: median(rounds.map((round) => round[scenario].perSecond)),
      ratio: median(rounds.map((round) => round[scenario].perSecond / round.memory.perSecond)),
      ratios: rounds.map((round) => (round[scenario].perSecond / round.memory.perSecond).toFixed(2)).join(" / "),
      other: [...new Set(rounds.map((round) => round[scenario].other))].join("; "),
    }));
    await Promise.all(servers.splice(0).map(stopChild));

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

    const cores = os.cpus().length;
    process.stdout.write(
      `Rate limits, ${cores} cores, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up, ` +
        `${ROUNDS} rounds (medians shown), ${INSTANCE_COUNT} instances, SQLite file, Redis at ${REDIS_URL}\n`,
    );
    process.stdout.write(`  ${"getStateInstance with".padEnd(36)} ${"2xx/s".padStart(9)}  ratio  rounds' ratios  non-2xx\n`);
    for (const figure of table) {
      process.stdout.write(
        `  ${figure.name.padEnd(36)} ${figure.perSecond.toFixed(0).padStart(9)}  ${figure.ratio.toFixed(2).padStart(5)}  ${figure.ratios.padEnd(14)} ${figure.other}\n`,
      );
    }
    process.stdout.write(
      `  Redis server CPU during the Redis scenario (warm-up included): ${redisCpu.map((share) => `${(share * 100).toFixed(0)}%`).join(" / ")} of a core\n`,
    );
    const redisRatio = table[1]!.ratio;
    process.stdout.write(
      `  ${redisRatio >= BUDGET_REDIS_RATIO ? "PASS" : "FAIL"} Redis limiter ≥ ${BUDGET_REDIS_RATIO * 100}% of the in-process one (${(redisRatio * 100).toFixed(0)}%)\n`,
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
    process.stdout.write(
      `  ${byClockSecond.within === byClockSecond.total ? "PASS" : "FAIL"} clock-second window within ${BUDGET_TOLERANCE * 100}% in every key-second\n`,
    );
  } finally {
    await Promise.all(servers.map(stopChild));
    await Promise.all(limiters.map((limiter) => limiter.close()));
    for (const connection of connections) connection.disconnect();
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

if (process.argv[2] === "--serve") {
  await serveApp(process.argv[3] ?? "", JSON.parse(process.argv[4] ?? "{}") as Record<string, string>);
} else {
  await main();
}
