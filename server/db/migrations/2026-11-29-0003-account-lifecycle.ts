import { sql, type Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A public id for the sessions list: the token's hash stays a lookup key, never shown.
  await db.schema.alterTable("session").addColumn("id", "varchar(36)").execute();
  await sql`update session set id = substr(token_hash, 1, 32) where id is null`.execute(db);
  await db.schema.createIndex("session_id_idx").on("session").column("id").unique().execute();

  // An operator can disable an account: it cannot sign in and its instances answer 403.
  await db.schema.alterTable("user").addColumn("disabled_at", "bigint").execute();
  await db.schema
    .alterTable("instance")
    .addColumn("owner_disabled", "integer", (column) => column.notNull().defaultTo(0))
    .execute();

  // Whose mail a job is, so that deleting an account also drops its pending mail.
  await db.schema.alterTable("mail_job").addColumn("user_id", "varchar(36)").execute();
  await db.schema.alterTable("mail_job").addColumn("email", "varchar(254)").execute();

  // Audit events name what they were about (an idInstance…) and are pruned by age.
  await db.schema.alterTable("audit_event").addColumn("subject", "varchar(64)").execute();
  await db.schema.createIndex("audit_event_occurred_at_idx").on("audit_event").column("occurred_at").execute();
  await db.schema.createIndex("sandbox_phone_user_id_idx").on("sandbox_phone").column("user_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("sandbox_phone_user_id_idx").execute();
  await db.schema.dropIndex("audit_event_occurred_at_idx").execute();
  await db.schema.alterTable("audit_event").dropColumn("subject").execute();
  await db.schema.alterTable("mail_job").dropColumn("email").execute();
  await db.schema.alterTable("mail_job").dropColumn("user_id").execute();
  await db.schema.alterTable("instance").dropColumn("owner_disabled").execute();
  await db.schema.alterTable("user").dropColumn("disabled_at").execute();
  await db.schema.dropIndex("session_id_idx").execute();
  await db.schema.alterTable("session").dropColumn("id").execute();
}
