import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./test/build-test-app.js";
import { testDialect } from "./test/test-database.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp({ NODE_ID: "node-ready" });
});
afterAll(async () => {
  await harness.close();
});

const readyz = (testApp: TestApp) => testApp.app.inject({ method: "GET", url: "/readyz" });

describe("/healthz", () => {
  it("says the process is up, never from a cache", async () => {
    const response = await harness.app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});

describe("/readyz", () => {
  it("is ready on a healthy node: names it and what it holds", async () => {
    const response = await readyz(harness);
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    // One node on SQLite holds every instance; on PostgreSQL it counts its leases.
    expect(response.json()).toEqual({ ready: true, node: "node-ready", heldInstances: testDialect === "sqlite" ? "all" : 0, problems: [] });
  });

  it("is not ready while the database lacks a migration this code knows", async () => {
    const db = harness.database.db;
    // The newest row of the migration bookkeeping goes, as if this code were newer than the database.
    const { rows } = await sql<{ name: string; timestamp: string }>`
      select "name", "timestamp" from "kysely_migration" order by "name" desc limit 1`.execute(db);
    const { name, timestamp } = rows[0]!;
    await sql`delete from "kysely_migration" where "name" = ${name}`.execute(db);
    try {
      const response = await readyz(harness);
      expect(response.statusCode).toBe(503);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.json()).toMatchObject({ ready: false, node: "node-ready", problems: [`migrations not applied: ${name}`] });
    } finally {
      await sql`insert into "kysely_migration" ("name", "timestamp") values (${name}, ${timestamp})`.execute(db);
    }
    expect((await readyz(harness)).statusCode).toBe(200);
  });

  it("is not ready when the database is unreachable", async () => {
    const other = await buildTestApp({ NODE_ID: "node-cut-off" });
    // Not awaited: on PostgreSQL the pool ends only once the node lets its listening connection go.
    const destroyed = other.database.db.destroy();
    try {
      const response = await readyz(other);
      expect(response.statusCode).toBe(503);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.json()).toMatchObject({ ready: false, node: "node-cut-off" });
      expect(response.json().problems).toContain("database unreachable");
      // The process itself is still up.
      expect((await other.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await other.app.close().catch(() => undefined);
      await destroyed;
      await other.close().catch(() => undefined);
    }
  });
});
