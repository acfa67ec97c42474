import { randomBytes, randomUUID } from "node:crypto";
import { Migrator, sql, type Kysely, type Migration } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../db/create-db.js";
import * as accounts from "../../db/migrations/2026-11-27-0001-accounts.js";
import * as instances from "../../db/migrations/2026-11-27-0002-instances.js";
import * as accountLifecycle from "../../db/migrations/2026-11-29-0003-account-lifecycle.js";
import type { Database, SessionTable, UserTable } from "../../db/schema.js";
import { sha256Hex } from "../../security/tokens.js";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { testDialect, testPostgresUrl } from "../../test/test-database.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("ending a session by its id", () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(async () => {
    await harness.close();
  });

  it.each([
    ["a NUL byte", "%00"],
    ["a UUID with a NUL byte", `${randomUUID().slice(0, 35)}%00`],
    ["a token-hash-like id", "a".repeat(32)],
    ["a UUID with something after it", `${randomUUID()}x`],
  ])("refuses %s with 400 before the database sees it", async (_name, id) => {
    const { client } = await registerPerson(harness.app);
    const response = await client.request("DELETE", `/api/console/account/sessions/${id}`);
    expect(response.statusCode).toBe(400);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
  });

  it("answers 404 for a well-formed id that is none of the person's sessions", async () => {
    const { client } = await registerPerson(harness.app);
    expect((await client.request("DELETE", `/api/console/account/sessions/${randomUUID()}`)).statusCode).toBe(404);
  });

  it("lists sessions under UUIDs", async () => {
    const { client } = await registerPerson(harness.app);
    const sessions = (await client.get("/api/console/account/sessions")).json().sessions as Array<{ id: string }>;
    expect(sessions.map((session) => session.id)).toEqual([expect.stringMatching(UUID)]);
  });
});

const MIGRATIONS: Record<string, Migration> = {
  "2026-11-27-0001-accounts": accounts,
  "2026-11-27-0002-instances": instances,
  "2026-11-29-0003-account-lifecycle": accountLifecycle,
};

/** A database of its own (SQLite in memory, or a fresh PostgreSQL schema) and a migrator over the migrations up to 0003. */
async function scratchDatabase(): Promise<{ db: Kysely<Database>; migrator: Migrator; destroy(): Promise<void> }> {
  const provider = { getMigrations: async () => MIGRATIONS };
  if (testDialect === "sqlite") {
    const db = createDb({ dialect: "sqlite", file: ":memory:" });
    return { db, migrator: new Migrator({ db, provider }), destroy: () => db.destroy() };
  }
  const schema = `m_${randomBytes(6).toString("hex")}`;
  const admin = createDb({ dialect: "postgres", url: testPostgresUrl });
  await sql`create schema ${sql.id(schema)}`.execute(admin);
  const db = createDb({ dialect: "postgres", url: testPostgresUrl }, { searchPath: schema });
  return {
    db,
    migrator: new Migrator({ db, provider, migrationTableSchema: schema }),
    async destroy() {
      await db.destroy();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    },
  };
}

async function migrate(run: Promise<{ error?: unknown; results?: Array<{ status: string }> }>): Promise<void> {
  const { error, results } = await run;
  if (error) throw error;
  expect(results?.every((result) => result.status === "Success")).toBe(true);
}

describe("migration 0003 on sessions made before it", () => {
  it("gives each a random UUID unrelated to its token's hash, makes the id required and keeps it unique", async () => {
    const scratch = await scratchDatabase();
    const { db } = scratch;
    // The tables as they were before 0003: a session had no id.
    const older = db as unknown as Kysely<{ user: UserTable; session: Omit<SessionTable, "id"> }>;
    try {
      await migrate(scratch.migrator.migrateTo("2026-11-27-0002-instances"));
      const now = Date.now();
      await db
        .insertInto("user")
        .values({
          id: "user-1",
          email: "old@example.com",
          password_hash: null,
          country: "DE",
          language: "en",
          created_at: now,
          updated_at: now,
        })
        .execute();
      const tokenHashes = [sha256Hex("token-1"), sha256Hex("token-2")];
      const session = (token_hash: string) => ({
        token_hash,
        user_id: "user-1",
        is_persistent: 1,
        created_at: now,
        last_seen_at: now,
        expires_at: now + 60_000,
        temporary_password_id: null,
        ip: "10.0.0.1",
        user_agent: "Old",
      });
      await older.insertInto("session").values(tokenHashes.map(session)).execute();

      await migrate(scratch.migrator.migrateToLatest());

      const rows = await db.selectFrom("session").selectAll().orderBy("token_hash").execute();
      expect(rows.map((row) => row.token_hash)).toEqual([...tokenHashes].sort());
      for (const row of rows) {
        expect(row.id).toMatch(UUID);
        // Nothing of the hash is in the id (its first 32 characters were, before).
        expect(row.token_hash).not.toContain(row.id.replace(/-/g, "").slice(0, 8));
        expect(row).toMatchObject({ user_id: "user-1", ip: "10.0.0.1", user_agent: "Old", expires_at: now + 60_000 });
      }
      expect(new Set(rows.map((row) => row.id)).size).toBe(2);

      const withoutId = session(sha256Hex("token-3"));
      await expect(older.insertInto("session").values(withoutId).execute()).rejects.toThrow();
      await expect(
        db
          .insertInto("session")
          .values({ ...withoutId, id: rows[0]!.id })
          .execute(),
      ).rejects.toThrow();

      // The rebuilt table still belongs to its user: the sessions go with the account.
      await db.deleteFrom("user").where("id", "=", "user-1").execute();
      expect(await db.selectFrom("session").select("id").execute()).toEqual([]);

      await migrate(scratch.migrator.migrateTo("2026-11-27-0002-instances"));
      await migrate(scratch.migrator.migrateToLatest());
    } finally {
      await scratch.destroy();
    }
  });
});
