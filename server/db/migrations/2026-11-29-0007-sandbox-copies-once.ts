import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A phone keeps one copy of a message however often it is delivered (a resend after a
  // takeover, or two nodes overlapping in the moment a lease changes hands).
  await db.schema
    .createIndex("sandbox_message_copy_idx")
    .on("sandbox_message")
    .columns(["phone_number", "id_message", "from_me"])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("sandbox_message_copy_idx").execute();
}
