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
  destroy(): Promise<void>;
}

/** A fresh, migrated database: SQLite in memory, or a PostgreSQL schema of its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDialect === "sqlite") {
    const config: DatabaseConfig = { dialect: "sqlite", file: ":memory:" };
    const db = createDb(config);
    await migrateToLatest(db);
    return { db, config, destroy: () => db.destroy() };
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
    async destroy() {
      await db.destroy();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    },
  };
}
