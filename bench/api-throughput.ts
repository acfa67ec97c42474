/**
 * Throughput of the compatible API, in requests a second, each as a ratio to a
 * bare Fastify route measured in the same run on the same machine:
 *   (a) bare Fastify, GET returning { ok: true }   — the baseline
 *   (b) GET getStateInstance                       — authentication + one read
 *   (c) POST sendMessage, acknowledged             — stored durably (SQLite file, synchronous=FULL) before the answer
 * Each server runs in a child process of its own, the load generator
 * (autocannon) in this one, so they do not share an event loop. Requests rotate
 * over many instances so that none exceeds GREEN-API's per-instance limits
 * (getStateInstance 1 a second, sendMessage 50 a second); only 2xx answers count.
 *
 *   tsx bench/api-throughput.ts                 full run
 *   BENCH_DURATION=3 BENCH_ROUNDS=1 tsx bench/api-throughput.ts   shorter
 *   BENCH_PROFILE=/tmp/prof tsx bench/api-throughput.ts   CPU profiles of the servers
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import Fastify from "fastify";
import { startBenchApp, type Credentials } from "./fixtures/bench-app.js";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
/** Enough that no instance is asked for its state twice within a second even at 30,000 requests a second. */
const INSTANCE_COUNT = Number(process.env.BENCH_INSTANCES ?? 40_000);
const BUDGET_STATE_RATIO = 0.5;
const BUDGET_SEND_PER_SECOND = 2_000;

type ChildMessage = { kind: "ready"; port: number; instances?: Credentials[] } | { kind: "counted"; messages: number };

// ---------------------------------------------------------------- child side

/** A bare Fastify app: the ceiling of what any route on this machine can do. */
async function serveBare(): Promise<void> {
  const app = Fastify();
  app.get("/", async () => ({ ok: true }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  process.send!({ kind: "ready", port: address.port } satisfies ChildMessage);
}

/** The real app on SQLite in a file, with INSTANCE_COUNT instances of one account. */
async function serveApp(dataDir: string): Promise<void> {
  const { app, db, instances } = await startBenchApp({ dataDir, instanceCount: INSTANCE_COUNT });

  await app.listen({ port: 0, host: "127.0.0.1" });
  // A clean exit, so that a CPU profile (BENCH_PROFILE) gets written.
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
  process.on("message", (message: { kind: string }) => {
    if (message.kind !== "count") return;
    void db
      .selectFrom("message")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow()
      .then((row) => process.send!({ kind: "counted", messages: Number(row.n) } satisfies ChildMessage));
  });
  process.send!({ kind: "ready", port: address.port, instances } satisfies ChildMessage);
}

// ---------------------------------------------------------------- parent side

interface Child {
  process: ChildProcess;
  ready: Extract<ChildMessage, { kind: "ready" }>;
  request(kind: "count"): Promise<Extract<ChildMessage, { kind: "counted" }>>;
}

async function startChild(args: string[]): Promise<Child> {
  // BENCH_PROFILE=<folder> writes a CPU profile of each server there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", fileURLToPath(import.meta.url), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<Extract<ChildMessage, { kind: "ready" }>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server ${args.join(" ")} exited (${code}) before it was ready`)));
    child.on("message", (message: ChildMessage) => {
      if (message.kind === "ready") resolve(message);
    });
  });
  child.removeAllListeners("exit");
  return {
    process: child,
    ready,
    request: () =>
      new Promise((resolve) => {
        const onMessage = (message: ChildMessage) => {
          if (message.kind !== "counted") return;
          child.off("message", onMessage);
          resolve(message);
        };
        child.on("message", onMessage);
        child.send({ kind: "count" });
      }),
  };
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
  ok: number;
  other: string;
}

/** Runs autocannon (after a warm-up) and keeps only 2xx answers as successes. */
async function measure(name: string, options: autocannon.Options): Promise<Figure> {
  await autocannon({ ...options, duration: WARMUP_S });
  const result = await autocannon({ ...options, duration: DURATION_S });
  const other = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, stats]) => `${code}×${stats.count ?? 0}`);
  if (result.errors > 0) other.push(`errors×${result.errors}`);
  if (result.timeouts > 0) other.push(`timeouts×${result.timeouts}`);
  return { name, perSecond: result["2xx"] / result.duration, ok: result["2xx"], other: other.join(", ") || "none" };
}

/** Hands each request the next instance in turn, so each instance sees at most one request per cycle. */
function rotating(instances: Credentials[], pathFor: (instance: Credentials) => string): autocannon.Request["setupRequest"] {
  let next = 0;
  return (request) => {
    const instance = instances[next]!;
    next = (next + 1) % instances.length;
    return { ...request, path: pathFor(instance) };
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-bench-"));
  let bare: Child | undefined;
  let server: Child | undefined;
  try {
    const common = { connections: CONNECTIONS, pipelining: 1 };
    bare = await startChild(["--serve", "bare"]);
    server = await startChild(["--serve", "app", dataDir]);
    const instances = server.ready.instances ?? [];
    const appUrl = `http://127.0.0.1:${server.ready.port}`;
    const bareUrl = `http://127.0.0.1:${bare.ready.port}/`;

    // The bare route and getStateInstance take turns, ROUNDS times: a passing load on this shared
    // machine then touches both alike, and the median of the rounds' ratios is reported.
    const rounds: Array<{ baseline: Figure; state: Figure }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const baselineRound = await measure("bare Fastify route", { ...common, url: bareUrl });
      const stateRound = await measure("getStateInstance", {
        ...common,
        url: appUrl,
        requests: [
          { method: "GET", setupRequest: rotating(instances, (i) => `/waInstance${i.idInstance}/getStateInstance/${i.apiTokenInstance}`) },
        ],
      });
      rounds.push({ baseline: baselineRound, state: stateRound });
    }
    rounds.sort((a, b) => a.state.perSecond / a.baseline.perSecond - b.state.perSecond / b.baseline.perSecond);
    const { baseline, state } = rounds[Math.floor(rounds.length / 2)]!;
    await stopChild(bare);
    bare = undefined;

    const before = (await server.request("count")).messages;
    const send = await measure("sendMessage (acknowledged)", {
      ...common,
      url: appUrl,
      requests: [
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chatId: "79001234567@c.us", message: "Hello from the benchmark" }),
          setupRequest: rotating(instances, (i) => `/waInstance${i.idInstance}/sendMessage/${i.apiTokenInstance}`),
        },
      ],
    });
    const stored = (await server.request("count")).messages - before;

    const cores = os.cpus().length;
    process.stdout.write(
      `API throughput, ${cores} cores, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up, ` +
        `bare and getStateInstance alternating ${ROUNDS} times (median round shown: ${rounds
          .map((round) => (round.state.perSecond / round.baseline.perSecond).toFixed(2))
          .join(" / ")}), ` +
        `${instances.length} instances, SQLite file (WAL, synchronous=FULL)\n`,
    );
    process.stdout.write(`  ${"scenario".padEnd(28)} ${"2xx/s".padStart(9)}  ratio  non-2xx\n`);
    for (const figure of [baseline, state, send]) {
      process.stdout.write(
        `  ${figure.name.padEnd(28)} ${figure.perSecond.toFixed(0).padStart(9)}  ${(figure.perSecond / baseline.perSecond).toFixed(2).padStart(5)}  ${figure.other}\n`,
      );
    }
    process.stdout.write(
      `  sendMessage rows stored during the measured and warm-up runs: ${stored} (acknowledged in the measured run: ${send.ok})\n`,
    );
    const stateRatio = state.perSecond / baseline.perSecond;
    process.stdout.write(
      `  ${stateRatio >= BUDGET_STATE_RATIO ? "PASS" : "FAIL"} getStateInstance ≥ ${BUDGET_STATE_RATIO * 100}% of the bare route (${(stateRatio * 100).toFixed(0)}%)\n`,
    );
    process.stdout.write(
      `  ${send.perSecond >= BUDGET_SEND_PER_SECOND ? "PASS" : "FAIL"} sendMessage ≥ ${BUDGET_SEND_PER_SECOND} acknowledged a second on SQLite (${send.perSecond.toFixed(0)})\n`,
    );
    if (stored < send.ok) process.stdout.write(`  FAIL fewer rows stored (${stored}) than sends acknowledged (${send.ok})\n`);
  } finally {
    await stopChild(bare);
    await stopChild(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--serve") {
  if (process.argv[3] === "bare") await serveBare();
  else await serveApp(process.argv[4] ?? "");
} else {
  await main();
}
