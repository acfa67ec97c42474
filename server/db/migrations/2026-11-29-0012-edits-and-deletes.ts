import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // What a sandbox phone's screen shows of a message edited or deleted for everyone.
  await db.schema
    .alterTable("sandbox_message")
    .addColumn("is_edited", "integer", (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("sandbox_message")
    .addColumn("is_deleted", "integer", (column) => column.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sandbox_message").dropColumn("is_deleted").execute();
  await db.schema.alterTable("sandbox_message").dropColumn("is_edited").execute();
}
