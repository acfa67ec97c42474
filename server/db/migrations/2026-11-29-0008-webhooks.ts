import { sql, type Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // 1 while the settings hold a webhookUrl: written with the settings, so the delivery loop finds
  // the instances to push for without reading every instance's settings.
  await db.schema
    .alterTable("instance")
    .addColumn("webhook_enabled", "integer", (column) => column.notNull().defaultTo(0))
    .execute();
  await sql`update instance set webhook_enabled = 1 where settings like '%"webhookUrl":"http%'`.execute(db);
  await db.schema.createIndex("instance_webhook_idx").on("instance").column("webhook_enabled").where("webhook_enabled", "=", 1).execute();

  // The id a receiver deduplicates by: the same on every attempt, and on a replay from the dead letters.
  await db.schema
    .alterTable("notification")
    .addColumn("webhook_id", "varchar(64)", (column) => column.notNull().defaultTo(""))
    .execute();

  // Per instance: the signing secret (and the previous one while a rotation lasts), the pause a
  // 410 causes, and the retry schedule of the queue's head.
  await db.schema
    .createTable("webhook_delivery")
    .addColumn("id_instance", "bigint", (column) => column.primaryKey().references("instance.id_instance").onDelete("cascade"))
    .addColumn("secret_sealed", "text", (column) => column.notNull())
    .addColumn("previous_secret_sealed", "text")
    .addColumn("previous_secret_until", "bigint")
    .addColumn("paused_at", "bigint")
    .addColumn("paused_reason", "varchar(500)", (column) => column.notNull().defaultTo(""))
    .addColumn("head_receipt_id", "bigint")
    .addColumn("head_attempts", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("failing_since", "bigint")
    .addColumn("next_attempt_at", "bigint", (column) => column.notNull().defaultTo(0))
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("webhook_attempt")
    .addColumn("id", "varchar(40)", (column) => column.primaryKey())
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("receipt_id", "bigint", (column) => column.notNull())
    .addColumn("webhook_id", "varchar(64)", (column) => column.notNull())
    .addColumn("type_webhook", "varchar(64)", (column) => column.notNull())
    .addColumn("attempted_at", "bigint", (column) => column.notNull())
    .addColumn("outcome", "varchar(16)", (column) => column.notNull())
    .addColumn("status_code", "integer")
    .addColumn("latency_ms", "integer", (column) => column.notNull())
    .addColumn("error", "varchar(500)", (column) => column.notNull().defaultTo(""))
    .execute();
  await db.schema.createIndex("webhook_attempt_instance_idx").on("webhook_attempt").columns(["id_instance", "id"]).execute();

  await db.schema
    .createTable("webhook_dead_letter")
    .addColumn("id_instance", "bigint", (column) => column.notNull().references("instance.id_instance").onDelete("cascade"))
    .addColumn("receipt_id", "bigint", (column) => column.notNull())
    .addColumn("webhook_id", "varchar(64)", (column) => column.notNull())
    .addColumn("body", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("dead_at", "bigint", (column) => column.notNull())
    .addColumn("reason", "varchar(500)", (column) => column.notNull())
    .addPrimaryKeyConstraint("webhook_dead_letter_pk", ["id_instance", "receipt_id"])
    .execute();
  await db.schema.createIndex("webhook_dead_letter_dead_at_idx").on("webhook_dead_letter").column("dead_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_dead_letter").execute();
  await db.schema.dropTable("webhook_attempt").execute();
  await db.schema.dropTable("webhook_delivery").execute();
  await db.schema.alterTable("notification").dropColumn("webhook_id").execute();
  await db.schema.dropIndex("instance_webhook_idx").execute();
  await db.schema.alterTable("instance").dropColumn("webhook_enabled").execute();
}
