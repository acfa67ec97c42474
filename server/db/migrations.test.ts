import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createDb, migrateToLatest } from "./create-db.js";
import { testDialect, testPostgresUrl } from "../test/test-database.js";

describe("migrations", () => {
  it("bring an empty database up to date, and running them again changes nothing", async () => {
    const db = createDb({ dialect: "sqlite", file: ":memory:" });
    try {
      await migrateToLatest(db);
      await migrateToLatest(db);
      const tables = await db.introspection.getTables();
      expect(tables.map((table) => table.name)).toEqual(
        expect.arrayContaining(["user", "session", "instance", "message", "notification", "sandbox_phone"]),
      );
    } finally {
      await db.destroy();
    }
  });

  // A PostgreSQL matter: this case exists in the suite's PostgreSQL run only.
  if (testDialect !== "postgres") return;
  it("on PostgreSQL, set up a schema named in the URL even when another schema already holds Switchboard", async () => {
    const admin = createDb({ dialect: "postgres", url: testPostgresUrl });
    const [first, second] = [`m_${randomBytes(5).toString("hex")}`, `m_${randomBytes(5).toString("hex")}`];
    try {
      for (const schema of [first, second]) {
        await sql`create schema ${sql.id(schema)}`.execute(admin);
        const url = new URL(testPostgresUrl);
        url.searchParams.set("options", `-c search_path=${schema}`);
        const db = createDb({ dialect: "postgres", url: url.toString() });
        try {
          await migrateToLatest(db);
          const tables = await db.introspection.getTables();
          expect(tables.filter((table) => table.schema === schema).map((table) => table.name)).toContain("instance");
        } finally {
          await db.destroy();
        }
      }
    } finally {
      for (const schema of [first, second]) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    }
  });
});
