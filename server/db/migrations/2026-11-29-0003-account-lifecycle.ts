import { randomUUID } from "node:crypto";
import { SqliteAdapter, sql, type Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A public id for the sessions list: the token's hash stays a lookup key, never shown.
  // Existing sessions get random ids: anything derived from the hash would reveal part of it.
  await db.schema.alterTable("session").addColumn("id", "varchar(36)").execute();
  const sessions = await db.selectFrom("session").select("token_hash").execute();
  for (const { token_hash } of sessions) {
    await db.updateTable("session").set({ id: randomUUID() }).where("token_hash", "=", token_hash).execute();
  }
  await requireSessionId(db);
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

/** Makes session.id NOT NULL: PostgreSQL alters the column, SQLite rebuilds the table. */
async function requireSessionId(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    await sql`alter table session alter column id set not null`.execute(db);
    return;
  }
  await db.schema
    .createTable("session_rebuilt")
    .addColumn("token_hash", "varchar(64)", (column) => column.primaryKey())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull().references("user.id").onDelete("cascade"))
    .addColumn("is_persistent", "integer", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("last_seen_at", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .addColumn("temporary_password_id", "varchar(36)")
    .addColumn("ip", "varchar(64)", (column) => column.notNull())
    .addColumn("user_agent", "varchar(512)", (column) => column.notNull())
    .addColumn("id", "varchar(36)", (column) => column.notNull())
    .execute();
  const columns = sql.raw(
    "token_hash, user_id, is_persistent, created_at, last_seen_at, expires_at, temporary_password_id, ip, user_agent, id",
  );
  await sql`insert into session_rebuilt (${columns}) select ${columns} from session`.execute(db);
  await db.schema.dropTable("session").execute();
  await db.schema.alterTable("session_rebuilt").renameTo("session").execute();
  await db.schema.createIndex("session_user_id_idx").on("session").column("user_id").execute();
  await db.schema.createIndex("session_expires_at_idx").on("session").column("expires_at").execute();
}
