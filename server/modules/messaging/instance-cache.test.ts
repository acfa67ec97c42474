import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../../shared/green-api.js";
import { DatabaseSignals } from "../../db/database-signals.js";
import { createTestDatabase, type TestDatabase } from "../../test/test-database.js";
import { InstancesRepository } from "./instances.repository.js";

/**
 * Two nodes' views of one instance table (two connections, as two processes have): what one
 * writes, the other's cache lets go of, through PostgreSQL's signals or SQLite's data_version.
 */
const silent = { warn: () => undefined };
let database: TestDatabase;
const signals: DatabaseSignals[] = [];
let nodeA: InstancesRepository;
let nodeB: InstancesRepository;
let userId = "";

function node(db: TestDatabase["db"]): InstancesRepository {
  const own = new DatabaseSignals(db, silent);
  signals.push(own);
  return new InstancesRepository(db, own);
}

beforeAll(async () => {
  database = await createTestDatabase({ sqliteInFile: true });
  nodeA = node(database.db);
  nodeB = node(database.connectAgain());
  for (const each of signals) await each.start();
  userId = "00000000-0000-4000-8000-000000000001";
  await database.db
    .insertInto("user")
    .values({
      id: userId,
      email: "cache@example.com",
      password_hash: null,
      country: "DE",
      language: "en",
      disabled_at: null,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
});

afterAll(async () => {
  for (const each of signals) await each.stop();
  await database.destroy();
});

async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const value = await read();
    if (value === expected || Date.now() > deadline) return value;
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

let nextId = 1_200_000_000;
/** Token hashes are unique: one of its own per instance. */
const tokenHashOf = (idInstance: number) => String(idInstance).padStart(64, "a");
async function newInstance(): Promise<number> {
  const idInstance = nextId++;
  const created = await nodeA.createWithinQuota(
    {
      idInstance,
      userId,
      name: "cached",
      tokenHash: tokenHashOf(idInstance),
      tokenSealed: "sealed",
      settings: DEFAULT_SETTINGS,
      connector: "sandbox",
      now: 1,
    },
    1_000,
  );
  if (typeof created === "string") throw new Error(`not created: ${created}`);
  return idInstance;
}

describe("the per-node instance cache", () => {
  it("serves repeated reads from memory and drops an instance another node changed", async () => {
    const idInstance = await newInstance();
    expect((await nodeA.find(idInstance))?.state).toBe("notAuthorized");
    // Node A has it cached; node B changes it.
    await nodeB.setState(idInstance, { state: "authorized", wid: "79001112233@c.us", stateSettlesAt: null, now: 2 });
    expect(await eventually(async () => (await nodeA.find(idInstance))?.state, "authorized")).toBe("authorized");
    expect((await nodeA.find(idInstance))?.wid).toBe("79001112233@c.us");
  });

  it("drops a token another node rotated, so the old token stops on every node", async () => {
    const idInstance = await newInstance();
    expect((await nodeA.findWithTokenHash(idInstance))?.tokenHash.toString("hex")).toBe(tokenHashOf(idInstance));
    await nodeB.setToken(idInstance, "b".repeat(64), "sealed-2", 3);
    expect(await eventually(async () => (await nodeA.findWithTokenHash(idInstance))?.tokenHash.toString("hex"), "b".repeat(64))).toBe(
      "b".repeat(64),
    );
  });

  it("drops everything when an operator disables an account from another process", async () => {
    const idInstance = await newInstance();
    expect((await nodeA.find(idInstance))?.isOwnerDisabled).toBe(false);
    await nodeB.setOwnerDisabled(userId, true);
    expect(await eventually(async () => (await nodeA.find(idInstance))?.isOwnerDisabled, true)).toBe(true);
    await nodeB.setOwnerDisabled(userId, false);
    expect(await eventually(async () => (await nodeA.find(idInstance))?.isOwnerDisabled, false)).toBe(false);
  });

  it("forgets a deleted instance on every node", async () => {
    const idInstance = await newInstance();
    expect(await nodeA.find(idInstance)).toBeDefined();
    await nodeB.delete(idInstance);
    expect(await eventually(async () => nodeA.find(idInstance), undefined)).toBeUndefined();
  });
});
