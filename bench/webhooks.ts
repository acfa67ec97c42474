/**
 * Webhook push (ADR 0013): how fast the real app delivers notifications to a local receiver,
 * and whether one hanging receiver slows the others.
 *   throughput  200 instances, each pushing to a path of its own on one receiver; deliveries a
 *               second, from the first notification stored to the last one received, as a ratio
 *               to the same receiver hit directly by autocannon (64 connections, the same body)
 *   fairness    notifications paced at one per instance a second; each delivery's latency, from
 *               the notification's creation (in its webhook-id) to its arrival; p99 with every
 *               receiver answering, and with one instance's receiver never answering (the other
 *               199 measured): the budget is within 2x
 * The app (SQLite), the receiver and the load generator run in processes of their own.
 *
 *   tsx bench/webhooks.ts
 *   BENCH_DURATION=5 tsx bench/webhooks.ts   shorter
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { startServer, type BenchServer } from "./fixtures/bench-server.js";
import { settingsFromEnvironment } from "./fixtures/load.js";
import { printBudget } from "./fixtures/report.js";

const settings = settingsFromEnvironment({ durationS: 10, warmupS: 2, rounds: 1, connections: 64, instances: 200 });
const PER_INSTANCE = Number(process.env.BENCH_PER_INSTANCE ?? 50);
const BUDGET_P99_FACTOR = 2;
const FAIRNESS_ROUNDS = 3;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-bench-webhooks-"));
const servers: BenchServer[] = [];
try {
  const receiver = await startServer({ kind: "receiver" });
  servers.push(receiver);
  const app = await startServer({
    kind: "app",
    dataDir,
    instances: settings.instances,
    // The receiver is on loopback; a hanging attempt gives up after 30 s, as by default.
    environment: { WEBHOOK_ALLOW_PRIVATE: "127.0.0.1", API_RATE_LIMITS: "false" },
  });
  servers.push(app);
  const pathOf = (idInstance: number) => `/i/${idInstance}`;
  for (const instance of app.instances) {
    const saved = await fetch(`${app.url}/waInstance${instance.idInstance}/setSettings/${instance.apiTokenInstance}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ webhookUrl: `${receiver.url}${pathOf(instance.idInstance)}` }),
    });
    if (saved.status !== 200) throw new Error(`setSettings: ${saved.status} ${await saved.text()}`);
  }

  // The receiver's ceiling: autocannon posting a notification-sized body directly.
  const body = JSON.stringify({
    typeWebhook: "stateInstanceChanged",
    instanceData: { idInstance: app.instances[0]!.idInstance, wid: "", typeInstance: "whatsapp" },
    timestamp: Math.floor(Date.now() / 1000),
    stateInstance: "notAuthorized",
  });
  const direct = await autocannon({
    url: `${receiver.url}/direct`,
    method: "POST",
    connections: settings.connections,
    duration: settings.durationS,
    headers: { "content-type": "application/json", "webhook-id": "msg_direct" },
    body,
  });
  const directPerSecond = direct["2xx"] / direct.duration;

  // Throughput: every instance's queue filled as fast as it can be stored, delivered as it fills.
  await receiver.reset();
  const pushed = await app.notify(PER_INSTANCE, 0);
  let stats = await receiver.stats();
  const deadline = Date.now() + 300_000;
  while (stats.delivered < pushed.count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stats = await receiver.stats();
  }
  const deliveredPerSecond = stats.delivered / ((stats.lastAt - pushed.firstAt) / 1000);

  // Fairness: one notification per instance a second, with every receiver answering, then with one hanging.
  const paced = async (hangingPaths: string[]) => {
    await receiver.reset(hangingPaths);
    const sent = await app.notify(settings.durationS, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { sent: sent.count, stats: await receiver.stats() };
  };
  // Taking turns, so that a passing load on the machine or a growing database touches both alike; medians of the p99s.
  const calmRounds: Awaited<ReturnType<typeof paced>>[] = [];
  const hangingRounds: Awaited<ReturnType<typeof paced>>[] = [];
  for (let round = 0; round < FAIRNESS_ROUNDS; round++) {
    const order = round % 2 === 0 ? ["calm", "hanging"] : ["hanging", "calm"];
    for (const scenario of order) {
      if (scenario === "calm") calmRounds.push(await paced([]));
      else hangingRounds.push(await paced([pathOf(app.instances[0]!.idInstance)]));
    }
  }
  const medianBy = (rounds: Awaited<ReturnType<typeof paced>>[]) =>
    [...rounds].sort((a, b) => a.stats.p99Ms - b.stats.p99Ms)[Math.floor(rounds.length / 2)]!;
  const calm = medianBy(calmRounds);
  const hanging = medianBy(hangingRounds);

  const line = (text: string) => process.stdout.write(`${text}\n`);
  line(
    `Webhook push, ${os.cpus().length} cores, Node ${process.version}, SQLite file, ${app.instances.length} instances, ` +
      `WEBHOOK_CONCURRENCY 64 (the default)`,
  );
  line(`  receiver hit directly by autocannon (${settings.connections} connections): ${directPerSecond.toFixed(0)}/s`);
  line(
    `  deliveries: ${stats.delivered} of ${pushed.count} in ${((stats.lastAt - pushed.firstAt) / 1000).toFixed(1)} s, ` +
      `${deliveredPerSecond.toFixed(0)}/s, ratio ${(deliveredPerSecond / directPerSecond).toFixed(3)} ` +
      `(storing them alone took ${((pushed.lastAt - pushed.firstAt) / 1000).toFixed(1)} s)`,
  );
  line(`  paced rounds' p99, every receiver answering: ${calmRounds.map((round) => round.stats.p99Ms).join(" / ")} ms`);
  line(`  paced rounds' p99, one receiver hanging: ${hangingRounds.map((round) => round.stats.p99Ms).join(" / ")} ms`);
  line(
    `  paced, every receiver answering (median round): ${calm.stats.delivered} of ${calm.sent} delivered, latency p50 ${calm.stats.p50Ms} ms, p99 ${calm.stats.p99Ms} ms`,
  );
  line(
    `  paced, one receiver hanging (median round): ${hanging.stats.delivered} of ${hanging.sent - settings.durationS} delivered to the others, ` +
      `latency p50 ${hanging.stats.p50Ms} ms, p99 ${hanging.stats.p99Ms} ms`,
  );
  printBudget(
    hanging.stats.p99Ms <= BUDGET_P99_FACTOR * Math.max(calm.stats.p99Ms, 1),
    `with one receiver hanging, the others' delivery p99 within ${BUDGET_P99_FACTOR}x of the run without it ` +
      `(${hanging.stats.p99Ms} ms against ${calm.stats.p99Ms} ms)`,
  );
  printBudget(stats.delivered === pushed.count, `every notification delivered (${stats.delivered} of ${pushed.count})`);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dataDir, { recursive: true, force: true });
}
