import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // What an instance's owner set for one chat: archived, disappearing messages, the contact's
  // name in the address book. A row exists once something was set.
  await db.schema
    .createTable("chat_setting")
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("chat_id", "varchar(64)", (column) => column.notNull())
    .addColumn("is_archived", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("ephemeral_expiration", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("ephemeral_set_at", "bigint", (column) => column.notNull().defaultTo(0))
    // Null while the chat is not in the address book.
    .addColumn("contact_first_name", "varchar(256)")
    .addColumn("contact_last_name", "varchar(256)", (column) => column.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("chat_setting_pk", ["id_instance", "chat_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("chat_setting").execute();
}
