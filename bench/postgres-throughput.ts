/**
 * Throughput of the compatible API on PostgreSQL, in requests a second, as ratios to
 * baselines measured in the same run on the same machine, on a fresh database the run creates
 * and drops:
 *   one node    GET getStateInstance and acknowledged POST sendMessage, as ratios to a bare
 *               Fastify route answering { ok: true } to the same request stream (GET over the
 *               API's paths), and to `GET /` over and over; the node counts the API's limits in
 *               process, as one node does by default
 *   two nodes   the same two methods on two nodes sharing the database (distinct NODE_IDs, one
 *               SECRET_KEY, limits shared through Redis as in production), autocannon driving
 *               both at once with half the connections each: the combined answers a second as a
 *               ratio to the one node
 * Every server runs in a child process of its own, the load generator (autocannon) in this one.
 * Requests rotate over many instances, one rotation for both nodes, so that none exceeds
 * GREEN-API's per-instance limits; only 2xx answers count. Needs PostgreSQL
 * (BENCH_POSTGRES_URL, a server where a database may be created) and Redis (BENCH_REDIS_URL).
 *
 *   tsx bench/postgres-throughput.ts
 *   BENCH_DURATION=3 BENCH_ROUNDS=1 tsx bench/postgres-throughput.ts   shorter
 *   BENCH_PROFILE=/tmp/prof tsx bench/postgres-throughput.ts   CPU profiles of the servers
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startServer, type BenchServer } from "./fixtures/bench-server.js";
import { drive, inRounds, prime, settingsFromEnvironment } from "./fixtures/load.js";
import { against, printOneNodeBudgets, printPriming, printStoredCheck, printTable, summary } from "./fixtures/report.js";
import { createBenchDatabase } from "./fixtures/postgres-database.js";
import { REDIS_URL, checkRedis } from "./fixtures/redis.js";

/** 60,000 instances: none is asked for its state twice within a second even at 50,000 requests a second. */
const settings = settingsFromEnvironment({ durationS: 5, warmupS: 2, rounds: 3, connections: 64, instances: 60_000 });
const BUDGETS = { stateRatio: 0.5, sendPerSecond: 4_000 };

await checkRedis();
const database = await createBenchDatabase();
const folders: string[] = [];
const servers: BenchServer[] = [];
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  })());
// Interrupted (Ctrl-C, which npm and tsx pass on again): the database on the shared server must go all the same.
process.on("SIGINT", () => void cleanUp().finally(() => process.exit(130)));
try {
  const secretKey = randomBytes(32).toString("hex");
  const appOn = async (nodeId: string, instances: number | BenchServer["instances"], environment: Record<string, string> = {}) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `switchboard-bench-${nodeId}-`));
    folders.push(dataDir);
    const server = await startServer({
      kind: "app",
      dataDir,
      databaseUrl: database.url,
      instances,
      environment: { NODE_ID: nodeId, SECRET_KEY: secretKey, ...environment },
    });
    servers.push(server);
    return server;
  };
  const [bare, one] = await Promise.all([
    startServer({ kind: "bare", instances: settings.instances }).then((server) => {
      servers.push(server);
      return server;
    }),
    appOn("bench-one", settings.instances),
  ]);
  // The two nodes join the database the first node filled; all three stay up, taking turns.
  const shared = { REDIS_URL, API_RATE_LIMITS: "true" };
  const two = await Promise.all([appOn("bench-two-a", one.instances, shared), appOn("bench-two-b", one.instances, shared)]);
  const priming = await prime([one, ...two], settings);

  const stateRounds = await inRounds(
    {
      bare: () => drive("bare Fastify route, the API's paths", [bare], "bare", settings),
      onePath: () => drive("bare Fastify route, one path", [bare], "bare, one path", settings),
      one: () => drive("getStateInstance", [one], "getStateInstance", settings),
      two: () => drive("getStateInstance, two nodes", two, "getStateInstance", settings),
    },
    settings.rounds,
  );
  await bare.stop();
  const sendRounds = await inRounds(
    {
      one: () => drive("sendMessage (acknowledged)", [one], "sendMessage", settings),
      two: () => drive("sendMessage (acknowledged), two nodes", two, "sendMessage", settings),
    },
    settings.rounds,
  );

  const baseline = summary(stateRounds, "bare", "bare");
  const state = summary(stateRounds, "one", "bare");
  const send = against(summary(sendRounds, "one", "one"), baseline);
  const onePath = summary(stateRounds, "onePath", "bare");
  process.stdout.write(
    `API throughput on PostgreSQL ${database.version} (a fresh database), ${os.cpus().length} cores, Node ${process.version}, ` +
      `${settings.connections} connections (half on each of two nodes), ${settings.durationS} s each after ${settings.warmupS} s warm-up, ` +
      `${settings.rounds} rounds of each table's scenarios taking turns (medians shown), ${one.instances.length} instances; ` +
      `one node counts the limits in process, two nodes share them through Redis at ${REDIS_URL}\n`,
  );
  printTable("one node, ratio to the bare route over the API's paths", [baseline, onePath, state, send]);
  printTable("two nodes, ratio to one node", [
    summary(stateRounds, "one", "one", "getStateInstance, one node"),
    summary(stateRounds, "two", "one"),
    summary(sendRounds, "one", "one", "sendMessage (acknowledged), one node"),
    summary(sendRounds, "two", "one"),
  ]);
  printPriming(priming, ["one node", "node A of two", "node B of two"]);
  const sendToOnePath = against(summary(sendRounds, "one", "one"), summary(stateRounds, "onePath", "onePath"));
  printOneNodeBudgets("on PostgreSQL, one node", { state, send, sendToOnePath }, BUDGETS);
  printStoredCheck(
    "PostgreSQL, one node",
    sendRounds.map((round) => round.one),
  );
  printStoredCheck(
    "PostgreSQL, two nodes",
    sendRounds.map((round) => round.two),
  );
} finally {
  await cleanUp();
}
