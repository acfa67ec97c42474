import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Each voter's current choice in a poll an instance sent: the tally of a pollUpdateMessage.
  await db.schema
    .createTable("poll_vote")
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("id_message", "varchar(64)", (column) => column.notNull())
    .addColumn("voter", "varchar(64)", (column) => column.notNull())
    // JSON array of the option names chosen; empty when the vote was taken back.
    .addColumn("options", "text", (column) => column.notNull())
    .addColumn("voted_at", "bigint", (column) => column.notNull())
    .addPrimaryKeyConstraint("poll_vote_pk", ["id_instance", "id_message", "voter"])
    .execute();
  // What a sandbox phone shows of a poll it received: its options (JSON), and its own vote (JSON).
  await db.schema.alterTable("sandbox_message").addColumn("poll", "text").execute();
  await db.schema.alterTable("sandbox_message").addColumn("my_vote", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sandbox_message").dropColumn("my_vote").execute();
  await db.schema.alterTable("sandbox_message").dropColumn("poll").execute();
  await db.schema.dropTable("poll_vote").execute();
}
