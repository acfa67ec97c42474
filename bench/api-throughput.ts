/**
 * Throughput of the compatible API on SQLite (one node), in requests a second, each as a ratio
 * to a bare Fastify route measured in the same rounds on the same machine:
 *   (a) bare Fastify, GET over the API's paths        — the baseline: the same request stream as (c)
 *   (b) bare Fastify, GET / over and over              — the baseline the budgets were first set against
 *   (c) GET getStateInstance                           — authentication + one read
 *   (d) POST sendMessage, acknowledged                 — stored durably (SQLite file, synchronous=FULL) before the answer
 * Each server runs in a child process of its own, the load generator
 * (autocannon) in this one, so they do not share an event loop. Requests rotate
 * over many instances so that none exceeds GREEN-API's per-instance limits
 * (getStateInstance 1 a second, sendMessage 50 a second); only 2xx answers count.
 * PostgreSQL, with one node and with two: postgres-throughput.ts.
 *
 *   tsx bench/api-throughput.ts                 full run
 *   BENCH_DURATION=3 BENCH_ROUNDS=1 tsx bench/api-throughput.ts   shorter
 *   BENCH_PROFILE=/tmp/prof tsx bench/api-throughput.ts   CPU profiles of the servers
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startServer, type BenchServer } from "./fixtures/bench-server.js";
import { drive, inRounds, prime, settingsFromEnvironment } from "./fixtures/load.js";
import { printOneNodeBudgets, printPriming, printStoredCheck, printTable, summary } from "./fixtures/report.js";

/** 60,000 instances: none is asked for its state twice within a second even at 50,000 requests a second. */
const settings = settingsFromEnvironment({ durationS: 5, warmupS: 2, rounds: 5, connections: 64, instances: 60_000 });
const BUDGETS = { stateRatio: 0.7, sendPerSecond: 5_000 };

const dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-bench-"));
const servers: BenchServer[] = [];
try {
  const track = (server: BenchServer) => {
    servers.push(server);
    return server;
  };
  const [bare, app] = await Promise.all([
    startServer({ kind: "bare", instances: settings.instances }).then(track),
    startServer({ kind: "app", dataDir, instances: settings.instances }).then(track),
  ]);
  const priming = await prime([app], settings);

  // The scenarios take turns, each round starting with the next one; the medians of the rounds are reported.
  const rounds = await inRounds(
    {
      bare: () => drive("bare Fastify route, the API's paths", [bare], "bare", settings),
      onePath: () => drive("bare Fastify route, one path", [bare], "bare, one path", settings),
      state: () => drive("getStateInstance", [app], "getStateInstance", settings),
      send: () => drive("sendMessage (acknowledged)", [app], "sendMessage", settings),
    },
    settings.rounds,
  );

  process.stdout.write(
    `API throughput on SQLite, ${os.cpus().length} cores, Node ${process.version}, ${settings.connections} connections, ` +
      `${settings.durationS} s each after ${settings.warmupS} s warm-up, ${settings.rounds} rounds of the four scenarios ` +
      `taking turns (medians shown), ${app.instances.length} instances, SQLite file (WAL, synchronous=FULL)\n`,
  );
  const state = summary(rounds, "state", "bare");
  const send = summary(rounds, "send", "bare");
  printTable("ratio to the bare route over the API's paths", [
    summary(rounds, "bare", "bare"),
    summary(rounds, "onePath", "bare"),
    state,
    send,
  ]);
  const stateToOnePath = summary(rounds, "state", "onePath");
  const sendToOnePath = summary(rounds, "send", "onePath");
  printTable("ratio to the bare route, one path", [summary(rounds, "onePath", "onePath"), stateToOnePath, sendToOnePath]);
  printPriming(priming, ["one node"]);
  printOneNodeBudgets("on SQLite", { state, send, sendToOnePath }, BUDGETS);
  printStoredCheck(
    "SQLite",
    rounds.map((round) => round.send),
  );
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dataDir, { recursive: true, force: true });
}
