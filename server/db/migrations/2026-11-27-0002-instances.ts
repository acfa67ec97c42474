import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("instance")
    .addColumn("id_instance", "bigint", (column) => column.primaryKey())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull().references("user.id").onDelete("cascade"))
    .addColumn("name", "varchar(100)", (column) => column.notNull())
    .addColumn("state", "varchar(32)", (column) => column.notNull())
    .addColumn("wid", "varchar(40)", (column) => column.notNull())
    .addColumn("token_hash", "varchar(64)", (column) => column.notNull().unique())
    .addColumn("token_sealed", "varchar(200)", (column) => column.notNull())
    .addColumn("settings", "text", (column) => column.notNull())
    .addColumn("last_receipt_id", "bigint", (column) => column.notNull())
    .addColumn("link_code", "varchar(64)")
    .addColumn("link_code_expires_at", "bigint")
    .addColumn("pairing_code", "varchar(16)")
    .addColumn("pairing_phone", "varchar(20)")
    .addColumn("pairing_code_expires_at", "bigint")
    .addColumn("state_settles_at", "bigint")
    .addColumn("next_send_at", "bigint", (column) => column.notNull())
    .addColumn("has_queued", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("instance_user_id_idx").on("instance").column("user_id").execute();
  await db.schema.createIndex("instance_wid_idx").on("instance").column("wid").execute();
  // The send queue and the "starting" timer look only at the few instances that have work.
  await db.schema.createIndex("instance_due_sends_idx").on("instance").columns(["state", "has_queued", "next_send_at"]).execute();
  await db.schema.createIndex("instance_settling_idx").on("instance").columns(["state", "state_settles_at"]).execute();

  await db.schema
    .createTable("instance_state_event")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("state", "varchar(32)", (column) => column.notNull())
    .addColumn("phone", "varchar(20)", (column) => column.notNull())
    .addColumn("occurred_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("instance_state_event_idx").on("instance_state_event").columns(["id_instance", "occurred_at"]).execute();

  // The send queue and the journal: an outgoing message is "queued" until it is sent.
  await db.schema
    .createTable("message")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("id_message", "varchar(40)", (column) => column.notNull())
    .addColumn("direction", "varchar(8)", (column) => column.notNull())
    .addColumn("chat_id", "varchar(64)", (column) => column.notNull())
    .addColumn("sender_id", "varchar(64)", (column) => column.notNull())
    .addColumn("type_message", "varchar(40)", (column) => column.notNull())
    .addColumn("content", "text", (column) => column.notNull())
    .addColumn("send_method", "varchar(40)")
    .addColumn("request", "text")
    .addColumn("status", "varchar(16)", (column) => column.notNull())
    .addColumn("send_by_api", "integer", (column) => column.notNull())
    .addColumn("is_read", "integer", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("sent_at", "bigint")
    .execute();
  await db.schema
    .createIndex("message_id_message_idx")
    .on("message")
    .columns(["id_instance", "id_message", "direction"])
    .unique()
    .execute();
  await db.schema.createIndex("message_queue_idx").on("message").columns(["status", "id_instance", "created_at"]).execute();
  await db.schema.createIndex("message_chat_idx").on("message").columns(["id_instance", "chat_id", "created_at"]).execute();

  await db.schema
    .createTable("notification")
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("receipt_id", "bigint", (column) => column.notNull())
    .addColumn("body", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addPrimaryKeyConstraint("notification_pk", ["id_instance", "receipt_id"])
    .execute();
  await db.schema.createIndex("notification_created_at_idx").on("notification").column("created_at").execute();

  // A phone's screen belongs to the account that opened it; the network itself is shared.
  await db.schema
    .createTable("sandbox_phone")
    .addColumn("number", "varchar(20)", (column) => column.primaryKey())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull().references("user.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .execute();

  // What a sandbox phone's screen shows: its side of each conversation.
  await db.schema
    .createTable("sandbox_message")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("phone_number", "varchar(20)", (column) => column.notNull())
    .addColumn("peer_number", "varchar(20)", (column) => column.notNull())
    .addColumn("id_message", "varchar(40)", (column) => column.notNull())
    .addColumn("from_me", "integer", (column) => column.notNull())
    .addColumn("type_message", "varchar(40)", (column) => column.notNull())
    .addColumn("text", "text", (column) => column.notNull())
    .addColumn("status", "varchar(16)")
    .addColumn("is_read", "integer", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("sandbox_message_chat_idx")
    .on("sandbox_message")
    .columns(["phone_number", "peer_number", "created_at"])
    .execute();
  await db.schema.createIndex("sandbox_message_id_idx").on("sandbox_message").column("id_message").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["sandbox_message", "sandbox_phone", "notification", "message", "instance_state_event", "instance"]) {
    await db.schema.dropTable(table).execute();
  }
}
