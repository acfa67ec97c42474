import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // An account's partner token (the partner API), as instance tokens are kept: its SHA-256 to
  // recognise it, sealed to show it again to its owner.
  await db.schema
    .createTable("partner_token")
    .addColumn("user_id", "varchar(36)", (column) => column.primaryKey().references("user.id").onDelete("cascade"))
    .addColumn("token_hash", "varchar(64)", (column) => column.notNull().unique())
    .addColumn("token_sealed", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("partner_token").execute();
}
