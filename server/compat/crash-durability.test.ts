/**
 * An acknowledged message survives a crash, exactly once. The real server runs
 * as a child process; a burst of concurrent sendMessage calls is cut short by
 * SIGKILL; after a restart on the same data, every idMessage that was answered
 * 200 is in the instance's send queue or its journal, once, and nothing is
 * duplicated. SQLite (a file in a temporary DATA_DIR) in the server-sqlite run,
 * a fresh PostgreSQL database in the server-postgres run.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../test/server-process.js";
import { ConsoleClient } from "../test/console-client.js";
import { createPostgresDatabase, testDialect } from "../test/test-database.js";

const INSTANCES = 10;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const servers = new Set<ServerProcess>();
const dataDirs: string[] = [];
const databases: Array<{ drop(): Promise<void> }> = [];

/** The real server on a data folder (and database) that outlive it. */
async function startServer(dataDir: string, databaseUrl: string | undefined): Promise<ServerProcess> {
  const server = await startServerProcess({ DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  servers.add(server);
  void server.exited.then(() => servers.delete(server));
  return server;
}

async function crash(server: ServerProcess): Promise<void> {
  server.child.kill("SIGKILL");
  await server.exited;
  expect(server.child.signalCode).toBe("SIGKILL");
}

/** A fresh place for the server's data: a temporary DATA_DIR, and on PostgreSQL a database of its own. */
async function freshStore(): Promise<{ dataDir: string; databaseUrl: string | undefined }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-crash-"));
  dataDirs.push(dataDir);
  if (testDialect === "sqlite") return { dataDir, databaseUrl: undefined };
  const database = await createPostgresDatabase("crash");
  databases.push(database);
  return { dataDir, databaseUrl: database.url };
}

afterAll(async () => {
  for (const server of servers) server.child.kill("SIGKILL");
  await sleep(100);
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  for (const database of databases) await database.drop();
});

interface Instance {
  idInstance: number;
  apiTokenInstance: string;
  /** The sandbox phone it is linked to, in the linked variant. */
  phone?: string;
}

async function setUp(server: ServerProcess, link: boolean): Promise<{ consoleApi: ConsoleClient; instances: Instance[] }> {
  const consoleApi = new ConsoleClient(server.url);
  await consoleApi.expect("POST", "/api/console/registration", 201, {
    email: `crash-${randomBytes(4).toString("hex")}@example.com`,
    password: "violet-lantern-82-orbit",
    passwordRepeat: "violet-lantern-82-orbit",
    country: "DE",
    agreementAccepted: true,
    language: "en",
  });
  const instances: Instance[] = [];
  for (let index = 0; index < INSTANCES; index++) {
    const { instance } = await consoleApi.expect<{ instance: { idInstance: number } }>("POST", "/api/console/instances", 201, {
      name: `Crash ${index}`,
    });
    const { apiTokenInstance } = await consoleApi.expect<{ apiTokenInstance: string }>(
      "GET",
      `/api/console/instances/${instance.idInstance}/token`,
      200,
    );
    const entry: Instance = { idInstance: instance.idInstance, apiTokenInstance };
    if (link) {
      entry.phone = `7900200${String(index).padStart(4, "0")}`;
      const qr = await consoleApi.expect<{ link: string }>("GET", `/api/console/instances/${instance.idInstance}/qr`, 200);
      const code = new URL(qr.link).searchParams.get("link") ?? "";
      await consoleApi.expect("POST", "/api/sandbox/phones", 200, { number: entry.phone });
      await consoleApi.expect("POST", `/api/sandbox/phones/${entry.phone}/link`, 200, { code });
    }
    instances.push(entry);
  }
  if (link) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { instances: listed } = await consoleApi.expect<{ instances: Array<{ idInstance: number; stateInstance: string }> }>(
        "GET",
        "/api/console/instances",
        200,
      );
      if (listed.every((row) => row.stateInstance === "authorized")) break;
      if (Date.now() > deadline) throw new Error(`not all authorized: ${JSON.stringify(listed)}`);
      await sleep(200);
    }
  }
  return { consoleApi, instances };
}

interface BurstResult {
  acknowledged: Map<number, string[]>;
  /** Answers other than 200 (there should be none: the burst stays inside the rate limit). */
  otherStatuses: number[];
  /** Requests the server had taken when it died: they got no answer. */
  cutOff: number;
  /** Requests made after the kill: refused. */
  refused: number;
}

/**
 * WAVES waves of WAVE_SIZE concurrent sendMessage calls per instance, one wave
 * every WAVE_EVERY_MS (30 a second per instance at most, inside the limit of 50);
 * SIGKILL lands as the first answer of wave `killInWave` arrives, while the rest
 * of the wave is being written.
 */
const WAVES = 4;
const WAVE_SIZE = 10;
const WAVE_EVERY_MS = 375;

async function burstThenKill(
  server: ServerProcess,
  instances: Instance[],
  chatId: string,
  killInWave: number,
  /** Also waited for (at most 5 s) before the kill. */
  alsoBeforeKill: () => Promise<void> = async () => undefined,
): Promise<BurstResult> {
  const result: BurstResult = {
    acknowledged: new Map(instances.map((instance) => [instance.idInstance, []])),
    otherStatuses: [],
    cutOff: 0,
    refused: 0,
  };
  let firstAnswerOfKillWave: () => void = () => undefined;
  const killWaveAnswered = new Promise<void>((resolve) => (firstAnswerOfKillWave = resolve));
  const send = async (instance: Instance, label: string, wave: number) => {
    try {
      const response = await fetch(`${server.url}/waInstance${instance.idInstance}/sendMessage/${instance.apiTokenInstance}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chatId, message: `burst ${label}` }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status !== 200) {
        result.otherStatuses.push(response.status);
        return;
      }
      const { idMessage } = JSON.parse(text) as { idMessage: string };
      result.acknowledged.get(instance.idInstance)!.push(idMessage);
      if (wave === killInWave) firstAnswerOfKillWave();
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === "ECONNREFUSED") result.refused++;
      else result.cutOff++;
    }
  };
  const started = Date.now();
  const calls: Array<Promise<void>> = [];
  let killed: Promise<void> | undefined;
  for (let wave = 0; wave < WAVES; wave++) {
    await sleep(Math.max(0, started + wave * WAVE_EVERY_MS - Date.now()));
    for (const [index, instance] of instances.entries()) {
      for (let n = 0; n < WAVE_SIZE; n++) calls.push(send(instance, `${index}-${wave}-${n}`, wave));
    }
    if (wave === killInWave) {
      // Killed as the wave's first answer arrives: the rest of it is being parsed or written.
      await Promise.race([Promise.all([killWaveAnswered, alsoBeforeKill()]), sleep(5_000)]);
      killed = crash(server);
    }
  }
  await killed;
  await Promise.all(calls);
  return result;
}

async function api<T>(server: ServerProcess, instance: Instance, method: string, query = ""): Promise<T> {
  const response = await fetch(`${server.url}/waInstance${instance.idInstance}/${method}/${instance.apiTokenInstance}${query}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Stored {
  queue: string[];
  journal: Array<{ idMessage: string; statusMessage: string }>;
}

async function readStored(server: ServerProcess, instance: Instance): Promise<Stored> {
  const queue = await api<Array<{ messageID: string }>>(server, instance, "showMessagesQueue");
  const journal = await api<Array<{ idMessage: string; statusMessage: string; type: string }>>(
    server,
    instance,
    "lastOutgoingMessages",
    "?minutes=1440",
  );
  return {
    queue: queue.map((entry) => entry.messageID),
    journal: journal.map(({ idMessage, statusMessage }) => ({ idMessage, statusMessage })),
  };
}

/** Every acknowledged id once across queue and journal, no id twice anywhere. Returns totals. */
function checkExactlyOnce(instances: Instance[], burst: BurstResult, stored: Map<number, Stored>) {
  let acknowledged = 0;
  let kept = 0;
  for (const instance of instances) {
    const { queue, journal } = stored.get(instance.idInstance)!;
    const all = [...queue, ...journal.map((entry) => entry.idMessage)];
    const counts = new Map<string, number>();
    for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
    const duplicated = [...counts].filter(([, count]) => count > 1);
    expect(duplicated, `instance ${instance.idInstance}: ids stored more than once`).toEqual([]);
    const acked = burst.acknowledged.get(instance.idInstance)!;
    const lost = acked.filter((id) => !counts.has(id));
    expect(lost, `instance ${instance.idInstance}: acknowledged ids missing after the crash`).toEqual([]);
    expect(new Set(acked).size, "the server handed out the same idMessage twice").toBe(acked.length);
    acknowledged += acked.length;
    kept += all.length;
  }
  return { acknowledged, kept };
}

describe(`crash durability of acknowledged sends (${testDialect})`, () => {
  it("unlinked instances: every acknowledged message is in the queue after SIGKILL and a restart", async () => {
    const { dataDir, databaseUrl } = await freshStore();
    const server = await startServer(dataDir, databaseUrl);
    const { instances } = await setUp(server, false);

    const burst = await burstThenKill(server, instances, "79003334455@c.us", 2);
    expect(burst.otherStatuses).toEqual([]);

    const restarted = await startServer(dataDir, databaseUrl);
    expect(restarted.child.pid).not.toBe(server.child.pid);
    try {
      const stored = new Map<number, Stored>();
      for (const instance of instances) stored.set(instance.idInstance, await readStored(restarted, instance));
      // Nothing leaves the queue of an unlinked instance: the journal has no outgoing message.
      for (const instance of instances) expect(stored.get(instance.idInstance)!.journal).toEqual([]);
      const { acknowledged, kept } = checkExactlyOnce(instances, burst, stored);
      expect(acknowledged).toBeGreaterThan(0);
      // A request cut off after its write but before its answer may be kept unacknowledged; never the reverse.
      expect(kept).toBeGreaterThanOrEqual(acknowledged);
      expect(kept).toBeLessThanOrEqual(acknowledged + burst.cutOff);
      process.stdout.write(
        `crash durability (${testDialect}, unlinked): ${acknowledged} acknowledged, ${kept} stored, ${burst.cutOff} cut off in flight, ${burst.refused} refused after the kill, all acknowledged kept once\n`,
      );
    } finally {
      await restarted.stop();
    }
  }, 120_000);

  it("linked instances sending mid-stream: acknowledged messages are queued or journaled once, and none is delivered twice", async () => {
    const { dataDir, databaseUrl } = await freshStore();
    const server = await startServer(dataDir, databaseUrl);
    const { consoleApi, instances } = await setUp(server, true);
    const recipient = "79003334466";
    await consoleApi.expect("POST", "/api/sandbox/phones", 200, { number: recipient });

    // Authorized instances send one message each 500 ms while the burst goes on; the kill lands
    // mid-stream, once the recipient's phone shows at least one of them.
    const firstDelivered = async () => {
      for (;;) {
        const { chats } = await consoleApi.expect<{ chats: unknown[] }>("GET", `/api/sandbox/phones/${recipient}/chats`, 200);
        if (chats.length > 0) return;
        await sleep(50);
      }
    };
    const burst = await burstThenKill(server, instances, `${recipient}@c.us`, 2, firstDelivered);
    expect(burst.otherStatuses).toEqual([]);

    const restarted = await startServer(dataDir, databaseUrl);
    try {
      // Stop the queues so that queue and journal can be read without a message moving between the two reads.
      for (const instance of instances) expect(await api(restarted, instance, "logout")).toEqual({ isLogout: true });
      await sleep(500);
      const stored = new Map<number, Stored>();
      for (const instance of instances) stored.set(instance.idInstance, await readStored(restarted, instance));
      const { acknowledged, kept } = checkExactlyOnce(instances, burst, stored);
      expect(acknowledged).toBeGreaterThan(0);
      expect(kept).toBeGreaterThanOrEqual(acknowledged);
      expect(kept).toBeLessThanOrEqual(acknowledged + burst.cutOff);

      // The recipient's phone: nothing twice, nothing the journal does not know, everything the journal calls sent.
      const movedConsole = consoleApi.moveTo(restarted.url);
      let sent = 0;
      let pending = 0;
      for (const instance of instances) {
        const { messages } = await movedConsole.expect<{ messages: Array<{ idMessage: string; fromMe: boolean }> }>(
          "GET",
          `/api/sandbox/phones/${recipient}/chats/${instance.phone}@c.us/messages`,
          200,
        );
        const onPhone = messages.filter((message) => !message.fromMe).map((message) => message.idMessage);
        expect(new Set(onPhone).size, `instance ${instance.idInstance}: a message reached the phone twice`).toBe(onPhone.length);
        const { journal } = stored.get(instance.idInstance)!;
        const journaled = new Set(journal.map((entry) => entry.idMessage));
        expect(
          onPhone.filter((id) => !journaled.has(id)),
          "on the phone but not in the journal",
        ).toEqual([]);
        const reported = journal
          .filter((entry) => ["sent", "delivered", "read"].includes(entry.statusMessage))
          .map((entry) => entry.idMessage);
        expect(
          reported.filter((id) => !onPhone.includes(id)),
          "reported sent but never on the phone",
        ).toEqual([]);
        sent += reported.length;
        pending += journal.length - reported.length;
      }
      expect(sent).toBeGreaterThan(0);
      process.stdout.write(
        `crash durability (${testDialect}, linked): ${acknowledged} acknowledged, ${kept} stored, ${sent} sent, ${pending} left pending by the kill, ${burst.cutOff} cut off in flight, ${burst.refused} refused\n`,
      );
    } finally {
      await restarted.stop();
    }
  }, 120_000);
});
