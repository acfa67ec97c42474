import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { createDb, migrateToLatest } from "../db/create-db.js";
import type { Database } from "../db/schema.js";
import type { DatabaseConfig } from "../config.js";

/** Which database the server suite runs on; the test scripts run it once for each. */
export const testDialect: "sqlite" | "postgres" = process.env.TEST_DB === "postgres" ? "postgres" : "sqlite";
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: Kysely<Database>;
  config: DatabaseConfig;
  /** A second connection to the same database, as another process (the admin command) has. */
  connectAgain(): Kysely<Database>;
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database: SQLite in memory (or in a temporary file, when a test needs
 * a second connection), or a PostgreSQL schema of its own.
 */
export async function createTestDatabase(options: { sqliteInFile?: boolean } = {}): Promise<TestDatabase> {
  const others: Array<Kysely<Database>> = [];
  if (testDialect === "sqlite") {
    const folder = options.sqliteInFile ? fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-test-")) : undefined;
    const config: DatabaseConfig = { dialect: "sqlite", file: folder ? path.join(folder, "test.sqlite") : ":memory:" };
    const db = createDb(config);
    await migrateToLatest(db);
    return {
      db,
      config,
      connectAgain() {
        if (!folder) throw new Error("an in-memory SQLite database has one connection: ask for sqliteInFile");
        const other = createDb(config);
        others.push(other);
        return other;
      },
      async destroy() {
        for (const other of others) await other.destroy();
        await db.destroy();
        if (folder) fs.rmSync(folder, { recursive: true, force: true });
      },
    };
  }
  const schema = `test_${randomBytes(6).toString("hex")}`;
  const admin = createDb({ dialect: "postgres", url: testPostgresUrl });
  await sql`create schema ${sql.id(schema)}`.execute(admin);
  const config: DatabaseConfig = { dialect: "postgres", url: testPostgresUrl };
  const db = createDb(config, { searchPath: schema });
  await migrateToLatest(db, { searchPath: schema });
  return {
    db,
    config,
    connectAgain() {
      const other = createDb(config, { searchPath: schema });
      others.push(other);
      return other;
    },
    async destroy() {
      for (const other of others) await other.destroy();
      await db.destroy();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    },
  };
}

/**
 * A whole PostgreSQL database of its own, for server processes (their migrator, given no schema,
 * looks for its tables in every schema of the database); `drop` removes it, connections and all.
 */
export async function createPostgresDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const onServer = async (statement: string) => {
    const admin = createDb({ dialect: "postgres", url: testPostgresUrl });
    try {
      await sql.raw(statement).execute(admin);
    } finally {
      await admin.destroy();
    }
  };
  await onServer(`create database ${name}`);
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`drop database if exists ${name} with (force)`) };
}

/** How many rows a table holds now (tests compare before and after a refused request). */
export async function countRows(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
