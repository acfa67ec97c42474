import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("user")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("email", "varchar(254)", (column) => column.notNull().unique())
    .addColumn("password_hash", "varchar(255)")
    .addColumn("country", "varchar(2)", (column) => column.notNull())
    .addColumn("language", "varchar(8)", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("session")
    .addColumn("token_hash", "varchar(64)", (column) => column.primaryKey())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull().references("user.id").onDelete("cascade"))
    .addColumn("is_persistent", "integer", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("last_seen_at", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .addColumn("temporary_password_id", "varchar(36)")
    .addColumn("ip", "varchar(64)", (column) => column.notNull())
    .addColumn("user_agent", "varchar(512)", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("session_user_id_idx").on("session").column("user_id").execute();
  await db.schema.createIndex("session_expires_at_idx").on("session").column("expires_at").execute();

  await db.schema
    .createTable("temporary_password")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull().references("user.id").onDelete("cascade"))
    .addColumn("password_hash", "varchar(255)", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .addColumn("used_at", "bigint")
    .execute();
  await db.schema.createIndex("temporary_password_user_id_idx").on("temporary_password").column("user_id").execute();

  await db.schema
    .createTable("rate_limit")
    .addColumn("bucket", "varchar(300)", (column) => column.primaryKey())
    .addColumn("hits", "integer", (column) => column.notNull())
    .addColumn("window_started_at", "bigint", (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("audit_event")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("occurred_at", "bigint", (column) => column.notNull())
    .addColumn("event", "varchar(64)", (column) => column.notNull())
    .addColumn("user_id", "varchar(36)")
    .addColumn("email", "varchar(254)")
    .addColumn("ip", "varchar(64)", (column) => column.notNull())
    .addColumn("user_agent", "varchar(512)", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("audit_event_user_id_idx").on("audit_event").column("user_id").execute();

  await db.schema
    .createTable("mail_job")
    .addColumn("id", "varchar(36)", (column) => column.primaryKey())
    .addColumn("kind", "varchar(64)", (column) => column.notNull())
    .addColumn("payload", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("attempts", "integer", (column) => column.notNull())
    .addColumn("next_attempt_at", "bigint", (column) => column.notNull())
    .addColumn("lease_until", "bigint")
    .addColumn("last_error", "varchar(500)")
    .execute();
  await db.schema.createIndex("mail_job_next_attempt_at_idx").on("mail_job").column("next_attempt_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["mail_job", "audit_event", "rate_limit", "temporary_password", "session", "user"]) {
    await db.schema.dropTable(table).execute();
  }
}
