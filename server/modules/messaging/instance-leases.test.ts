import { randomBytes } from "node:crypto";
import { Agent } from "undici";
import { createMediaService } from "../media/media.module.js";
import { createWebhookTransport } from "../../webhooks/webhook-sender.js";
import { parseOutboundAllowList } from "../../security/outbound-guard.js";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../../shared/green-api.js";
import type { DeliveryStatus, MessengerConnector } from "../../connectors/connector.js";
import { ConnectorRegistry } from "../../connectors/connector-registry.js";
import type { Database } from "../../db/schema.js";
import { SecretBox } from "../../security/secret-box.js";
import { TestClock } from "../../test/test-clock.js";
import { createTestDatabase, testDialect, type TestDatabase } from "../../test/test-database.js";
import { AuditRepository } from "../audit/audit.repository.js";
import type { Instance } from "./instance.js";
import { InstanceLeases, LEASE_RENEW_EVERY_MS, LEASE_TTL_MS, type Fence, type LeaseChanges } from "./instance-leases.js";
import { InstancesRepository } from "./instances.repository.js";
import { LeasesRepository } from "./leases.repository.js";
import { MessagesRepository } from "./messages.repository.js";
import { createMessagingCore, type MessagingCore } from "./messaging.module.js";

/**
 * Two nodes are two connections to one database, each with its own InstanceLeases. Leases serve
 * PostgreSQL in production; their SQL is portable, so the same two-node tests also run against
 * a SQLite file and both projects assert the same behaviour.
 */
let database: TestDatabase;
let otherConnection: Kysely<Database>;
let clock: TestClock;
const USER_ID = "lease-owner";
const IDS = [1_100_000_001, 1_100_000_002, 1_100_000_003];
const quiet = { info: () => undefined, error: () => undefined };

beforeAll(async () => {
  database = await createTestDatabase({ sqliteInFile: true });
  otherConnection = database.connectAgain();
  const now = Date.now();
  await database.db
    .insertInto("user")
    .values({
      id: USER_ID,
      email: "leases@example.com",
      password_hash: null,
      country: "DE",
      language: "en",
      disabled_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
});
afterAll(async () => {
  await database.destroy();
});
beforeEach(async () => {
  clock = new TestClock();
  await database.db.deleteFrom("instance_lease").execute();
  await database.db.deleteFrom("instance").execute();
  await new InstancesRepository(database.db).insertMany(
    IDS.map((idInstance) => ({
      idInstance,
      userId: USER_ID,
      name: `instance ${idInstance}`,
      tokenHash: String(idInstance).padStart(64, "0"),
      tokenSealed: "sealed",
      settings: DEFAULT_SETTINGS,
      connector: "sandbox" as const,
      now: clock.now(),
    })),
  );
});

interface Node {
  leases: InstanceLeases;
  /** Every change its listener heard, in order. */
  changes: LeaseChanges[];
}

function node(nodeId: string, db: Kysely<Database>): Node {
  const changes: LeaseChanges[] = [];
  const leases = new InstanceLeases({ repository: new LeasesRepository(db), nodeId, clock, log: quiet });
  leases.onChange(async (change) => void changes.push(change));
  return { leases, changes };
}

const sorted = (changes: LeaseChanges) => ({
  acquired: [...changes.acquired].sort((a, b) => a.idInstance - b.idInstance),
  lost: [...changes.lost].sort(),
});
const acquiredAll = (epoch: number) => ({ acquired: IDS.map((idInstance) => ({ idInstance, epoch })), lost: [] });

/** Every instance authorized, with a queued message and its spacing elapsed: due to send. */
async function makeDue(): Promise<void> {
  await database.db.updateTable("instance").set({ state: "authorized", next_send_at: 0, has_queued: 1 }).execute();
}

const claimSlot = (db: Kysely<Database>, idInstance: number, fence: Fence | undefined) =>
  new InstancesRepository(db).claimSendSlot(idInstance, clock.now(), clock.now() + 1_000, fence);

const dueFor = (db: Kysely<Database>, nodeId: string) =>
  new MessagesRepository(db).listInstancesDueToSend(clock.now(), 100, nodeId).then((ids) => ids.sort());

describe("instance leases on one node (SQLite: no lease rows)", () => {
  it("holds every instance without a fence, always renewing, and writes nothing", async () => {
    const changes: LeaseChanges[] = [];
    const leases = new InstanceLeases({ repository: undefined, nodeId: "only", clock, log: quiet });
    leases.onChange(async (change) => void changes.push(change));
    expect(leases.isClustered).toBe(false);
    expect(leases.nodeId).toBe("only");
    await leases.start();
    await leases.tick();
    clock.advance(10 * LEASE_TTL_MS);
    await leases.tick();
    for (const idInstance of [...IDS, 42]) {
      expect(leases.holds(idInstance)).toBe(true);
      expect(leases.fenceOf(idInstance)).toBeUndefined();
    }
    expect(leases.isRenewing).toBe(true);
    expect(changes).toEqual([]);
    await leases.stop();
    expect(await database.db.selectFrom("instance_lease").selectAll().execute()).toEqual([]);
    // Without a fence the send slot is taken by the spacing and the state alone.
    await makeDue();
    expect(await claimSlot(database.db, IDS[0]!, undefined)).toBe(true);
    expect(await new MessagesRepository(database.db).listInstancesDueToSend(clock.now(), 100)).toHaveLength(IDS.length - 1);
  });
});

describe("instance leases across two nodes", () => {
  it("two processes given the same NODE_ID are still two holders: the second gets nothing while the first renews", async () => {
    const first = node("same-name", database.db);
    const second = node("same-name", otherConnection);
    expect(first.leases.owner).not.toBe(second.leases.owner);
    await first.leases.tick();
    await second.leases.tick();
    expect(first.leases.heldCount).toBe(IDS.length);
    expect(second.leases.heldCount).toBe(0);
    expect(second.leases.fenceOf(IDS[0]!)).toBe("not-held");
    await first.leases.stop();
  });

  it("a node claims the free instances at epoch 1; the other claims nothing while it renews", async () => {
    const a = node("node-a", database.db);
    const b = node("node-b", otherConnection);
    await a.leases.tick();
    expect(a.changes.map(sorted)).toEqual([acquiredAll(1)]);
    expect(a.leases.heldCount).toBe(IDS.length);
    expect(a.leases.fenceOf(IDS[0]!)).toEqual({ node: a.leases.owner, epoch: 1 });

    // Renewed every period for three times the lease's lifetime: B never gets one, A hears no change.
    for (let elapsed = 0; elapsed < 3 * LEASE_TTL_MS; elapsed += LEASE_RENEW_EVERY_MS) {
      await b.leases.tick();
      clock.advance(LEASE_RENEW_EVERY_MS);
      await a.leases.tick();
    }
    await b.leases.tick();
    expect(b.changes).toEqual([]);
    expect(b.leases.heldCount).toBe(0);
    expect(b.leases.holds(IDS[0]!)).toBe(false);
    expect(b.leases.fenceOf(IDS[0]!)).toBe("not-held");
    expect(a.changes).toHaveLength(1);
    expect(IDS.every((idInstance) => a.leases.holds(idInstance))).toBe(true);

    await makeDue();
    expect(await dueFor(otherConnection, b.leases.owner)).toEqual([]);
    expect(await dueFor(database.db, a.leases.owner)).toEqual(IDS);
  });

  it("takes over a silent node's instances with the next epoch, and fences the old holder out", async () => {
    const a = node("node-a", database.db);
    const b = node("node-b", otherConnection);
    await a.leases.tick();
    const oldFence = a.leases.fenceOf(IDS[0]!);
    expect(oldFence).toEqual({ node: a.leases.owner, epoch: 1 });

    // A stops renewing (a hung or dead process); just before its leases run out B still gets nothing.
    clock.advance(LEASE_TTL_MS - 1);
    await b.leases.tick();
    expect(b.changes).toEqual([]);
    clock.advance(1);
    await b.leases.tick();
    expect(b.changes.map(sorted)).toEqual([acquiredAll(2)]);
    expect(b.leases.fenceOf(IDS[0]!)).toEqual({ node: b.leases.owner, epoch: 2 });

    await a.leases.tick();
    expect(a.changes.map(sorted).at(-1)).toEqual({ acquired: [], lost: IDS });
    expect(a.leases.heldCount).toBe(0);

    await makeDue();
    expect(await claimSlot(database.db, IDS[0]!, oldFence as Fence)).toBe(false);
    expect(await dueFor(database.db, a.leases.owner)).toEqual([]);
    expect(await dueFor(otherConnection, b.leases.owner)).toEqual(IDS);
    expect(await claimSlot(otherConnection, IDS[0]!, b.leases.fenceOf(IDS[0]!) as Fence)).toBe(true);
    // The old epoch stays fenced even on the node that now holds the instance.
    expect(await claimSlot(otherConnection, IDS[1]!, { node: b.leases.owner, epoch: 1 })).toBe(false);

    // B keeps them while it renews; A, back, gets nothing.
    clock.advance(LEASE_RENEW_EVERY_MS);
    await b.leases.tick();
    await a.leases.tick();
    expect(b.changes).toHaveLength(1);
    expect(a.leases.heldCount).toBe(0);
  });

  it("a stopping node stops its sessions, then lets the leases go: the other takes over at once", async () => {
    const a = node("node-a", database.db);
    const b = node("node-b", otherConnection);
    await a.leases.tick();
    await a.leases.stop();
    expect(a.changes.map(sorted)).toEqual([acquiredAll(1), { acquired: [], lost: IDS }]);
    expect(a.leases.holds(IDS[0]!)).toBe(false);

    await b.leases.tick();
    expect(b.changes.map(sorted)).toEqual([acquiredAll(2)]);
    await makeDue();
    expect(await claimSlot(database.db, IDS[0]!, { node: a.leases.owner, epoch: 1 })).toBe(false);
    expect(await claimSlot(otherConnection, IDS[0]!, b.leases.fenceOf(IDS[0]!) as Fence)).toBe(true);
  });

  it("two nodes ticking at once share the instances: each has exactly one holder", async () => {
    const a = node("node-a", database.db);
    const b = node("node-b", otherConnection);
    await Promise.all([a.leases.tick(), b.leases.tick(), a.leases.tick(), b.leases.tick()]);
    const heldByA = IDS.filter((idInstance) => a.leases.holds(idInstance));
    const heldByB = IDS.filter((idInstance) => b.leases.holds(idInstance));
    expect([...heldByA, ...heldByB].sort()).toEqual(IDS);
    const rows = await database.db.selectFrom("instance_lease").select(["id_instance", "owner_node", "epoch"]).execute();
    expect(rows).toHaveLength(IDS.length);
    expect(rows.every((row) => Number(row.epoch) === 1)).toBe(true);
  });

  it("reports whether it renews on time: not before its first tick, nor once ticks stop", async () => {
    const a = node("node-a", database.db);
    expect(a.leases.isRenewing).toBe(false);
    await a.leases.tick();
    expect(a.leases.isRenewing).toBe(true);
    clock.advance(2 * LEASE_RENEW_EVERY_MS);
    expect(a.leases.isRenewing).toBe(true);
    clock.advance(LEASE_TTL_MS);
    expect(a.leases.isRenewing).toBe(false);
    await a.leases.tick();
    expect(a.leases.isRenewing).toBe(true);
  });

  it("a renewal that fails does not count as one, and stopping during a failing tick still lets the leases go", async () => {
    const repository = new LeasesRepository(database.db);
    const changes: LeaseChanges[] = [];
    const leases = new InstanceLeases({ repository, nodeId: "node-a", clock, log: quiet });
    leases.onChange(async (change) => void changes.push(change));
    await leases.tick();
    repository.renew = () => Promise.reject(new Error("connection lost"));
    clock.advance(LEASE_RENEW_EVERY_MS);
    await expect(leases.tick()).rejects.toThrow("connection lost");
    expect(leases.isRenewing).toBe(true);
    clock.advance(LEASE_TTL_MS - LEASE_RENEW_EVERY_MS);
    await expect(leases.tick()).rejects.toThrow("connection lost");
    expect(leases.isRenewing).toBe(false);

    // Stopping while a failing tick is under way: the sessions stop and the leases are let go.
    const ticking = leases.tick().catch(() => undefined);
    await leases.stop();
    await ticking;
    expect(changes.map(sorted)).toEqual([acquiredAll(1), { acquired: [], lost: IDS }]);
    const rows = await database.db.selectFrom("instance_lease").select("expires_at").execute();
    expect(rows.map((row) => Number(row.expires_at))).toEqual(IDS.map(() => 0));
  });
});

/** A connector with live sessions that records what the core asks of it. */
function recordingConnector() {
  const calls: string[] = [];
  const unused = () => Promise.reject(new Error("not used here"));
  const connector: MessengerConnector = {
    kind: "sandbox",
    typeInstance: "whatsapp",
    hasLiveSessions: true,
    start: async (instance) => void calls.push(`start ${instance.idInstance}`),
    stop: async (instance) => void calls.push(`stop ${instance.idInstance}`),
    deliveryOf: async (instance: Instance, idMessage: string): Promise<DeliveryStatus | undefined> => {
      calls.push(`deliveryOf ${instance.idInstance} ${idMessage}`);
      return undefined;
    },
    qr: unused,
    pairingCode: unused,
    logout: unused,
    send: unused,
    hasAccount: unused,
    readChat: unused,
    contacts: unused,
    edit: unused,
    deleteForEveryone: unused,
    forget: unused,
  };
  return { connector, calls };
}

const silentLogger = {
  level: "silent",
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
  fatal: () => undefined,
  silent: () => undefined,
  child: () => silentLogger,
} as unknown as FastifyBaseLogger;

// These cores never push a webhook (no instance has a webhookUrl): the parts are the real ones.
const webhookTransport = createWebhookTransport({ policy: parseOutboundAllowList(undefined), timeoutMs: 1_000 });
const webhookParts = { webhookPoster: webhookTransport.sender, checkWebhookUrl: webhookTransport.checkUrl, webhookConcurrency: 4 };
// Nor do they carry files: the media service is the real one, on the database.
const fileParts = (db: Kysely<Database>) => ({
  files: createMediaService({
    db,
    clock,
    config: { storage: "database", folder: "", maxFileBytes: 1024, linkLifetimeMs: 60_000, quotaBytes: 1024, fetchTimeoutMs: 1_000 },
    publicUrl: "http://localhost:3000",
    secretKey: randomBytes(32),
    dispatcher: new Agent(),
  }),
});

describe("the messaging core follows its leases", () => {
  const cores: MessagingCore[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.service.stop();
  });

  function core(nodeId: string, db: Kysely<Database>) {
    const { connector, calls } = recordingConnector();
    const connectors = new ConnectorRegistry();
    connectors.register(connector);
    const built = createMessagingCore({
      db,
      clock,
      log: silentLogger,
      connectors,
      secretBox: new SecretBox(randomBytes(32)),
      audit: new AuditRepository(db),
      nodeId,
      ...webhookParts,
      ...fileParts(db),
    });
    cores.push(built);
    return { core: built, calls };
  }

  const startsOf = (calls: string[]) => calls.filter((call) => call.startsWith("start ")).sort();
  const stopsOf = (calls: string[]) => calls.filter((call) => call.startsWith("stop ")).sort();
  const each = (verb: string) => IDS.map((idInstance) => `${verb} ${idInstance}`);

  // SQLite is one node and PostgreSQL several: each project asserts what holding means on its database.
  it("starts the live sessions of exactly the instances a node holds; a takeover settles what the old node left pending", async () => {
    if (testDialect === "sqlite") {
      const { core: only, calls } = core("only", database.db);
      await only.service.start();
      expect(startsOf(calls)).toEqual(each("start"));
      expect(only.service.node).toEqual({ id: "only", heldInstances: "all", isRenewingLeases: true });
      return;
    }
    const { core: a, calls: callsA } = core("node-a", database.db);
    const { core: b, calls: callsB } = core("node-b", otherConnection);
    // Starting takes the first pass: the node holds its share before it serves.
    await a.service.start();
    await b.service.start();
    expect(startsOf(callsA)).toEqual(each("start"));
    expect(callsB).toEqual([]);
    expect(a.service.node).toEqual({ id: "node-a", heldInstances: IDS.length, isRenewingLeases: true });
    expect(b.service.node).toEqual({ id: "node-b", heldInstances: 0, isRenewingLeases: true });

    // A handed a message to the network and went silent before recording the outcome.
    const instance = (await a.service.find(IDS[0]!))!;
    const idMessage = await a.service.queueSend(instance, {
      chatId: "79001234567@c.us",
      typeMessage: "textMessage",
      journal: { textMessage: "hello" },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: "hello" } },
      sendMethod: "sendMessage",
      request: {},
    });
    await database.db.updateTable("message").set({ status: "pending", sent_at: clock.now() }).where("id_message", "=", idMessage).execute();

    clock.advance(LEASE_TTL_MS);
    await b.service.tickLeases();
    expect(startsOf(callsB)).toEqual(each("start"));
    // At once, not a minute later: the new epoch fences A, so the message is settled by B.
    expect(callsB).toContain(`deliveryOf ${IDS[0]} ${idMessage}`);
    expect((await a.service.listQueued(instance)).map((queued) => queued.idMessage)).toEqual([idMessage]);

    await a.service.tickLeases();
    expect(stopsOf(callsA)).toEqual(each("stop"));
    expect(a.service.node.heldInstances).toBe(0);

    // A clean stop closes the node's sessions and frees its leases.
    await b.service.stop();
    expect(stopsOf(callsB)).toEqual(each("stop"));
    const rows = await database.db.selectFrom("instance_lease").select(["owner_node", "expires_at"]).execute();
    // Held in node B's name (with its process's own suffix), and free at once.
    expect(rows.map((row) => [row.owner_node.split("#")[0], Number(row.expires_at)])).toEqual(IDS.map(() => ["node-b", 0]));
  });
});
