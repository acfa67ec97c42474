import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Which node holds an instance's live connection and send loop, until when, and the epoch
  // that fences a node which lost it.
  await db.schema
    .createTable("instance_lease")
    .addColumn("id_instance", "bigint", (column) => column.primaryKey().references("instance.id_instance").onDelete("cascade"))
    .addColumn("owner_node", "varchar(100)", (column) => column.notNull())
    .addColumn("epoch", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("instance_lease_owner_idx").on("instance_lease").columns(["owner_node", "expires_at"]).execute();
  await db.schema.createIndex("instance_lease_expires_idx").on("instance_lease").column("expires_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("instance_lease").execute();
}
