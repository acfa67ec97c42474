import { sql, type Kysely } from "kysely";

const DAY_MS = 24 * 60 * 60 * 1000;

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // One table for every background job (mail now, webhook delivery next), readable by operators.
  await db.schema
    .createTable("job")
    .addColumn("id", "varchar(80)", (column) => column.primaryKey())
    .addColumn("kind", "varchar(64)", (column) => column.notNull())
    // Room for a prefix and a whole email address (254).
    .addColumn("queue_key", "varchar(300)")
    .addColumn("payload", "text", (column) => column.notNull())
    .addColumn("state", "varchar(16)", (column) => column.notNull().check(sql`state in ('pending', 'running', 'dead')`))
    .addColumn("attempts", "integer", (column) => column.notNull())
    .addColumn("max_attempts", "integer")
    .addColumn("give_up_at", "bigint")
    .addColumn("run_at", "bigint", (column) => column.notNull())
    .addColumn("lease_owner", "varchar(200)")
    .addColumn("lease_until", "bigint")
    .addColumn("last_error", "varchar(500)")
    .addColumn("user_id", "varchar(36)")
    .addColumn("email", "varchar(254)")
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();
  // Claiming looks for due pending jobs and for running jobs whose lease has run out.
  await db.schema.createIndex("job_state_run_at_idx").on("job").columns(["state", "run_at"]).execute();
  await db.schema.createIndex("job_state_lease_until_idx").on("job").columns(["state", "lease_until"]).execute();
  // A serial queue's head: the oldest job of its key.
  await db.schema.createIndex("job_queue_key_idx").on("job").columns(["queue_key", "id"]).execute();
  // Deleting an account drops its jobs.
  await db.schema.createIndex("job_user_id_idx").on("job").column("user_id").execute();
  await db.schema.createIndex("job_email_idx").on("job").column("email").execute();

  // Pending mail keeps its attempts and its day: a mail was given up a day after it was asked for.
  await sql`insert into job (id, kind, queue_key, payload, state, attempts, max_attempts, give_up_at, run_at,
      lease_owner, lease_until, last_error, user_id, email, created_at, updated_at)
    select id, 'mail.' || kind, null, payload, 'pending', attempts, null, created_at + ${sql.lit(DAY_MS)}, next_attempt_at,
      null, null, last_error, user_id, email, created_at, created_at
    from mail_job`.execute(db);
  await db.schema.dropTable("mail_job").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
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
    .addColumn("user_id", "varchar(36)")
    .addColumn("email", "varchar(254)")
    .execute();
  await db.schema.createIndex("mail_job_next_attempt_at_idx").on("mail_job").column("next_attempt_at").execute();
  await sql`insert into mail_job (id, kind, payload, created_at, attempts, next_attempt_at, lease_until, last_error, user_id, email)
    select id, substr(kind, 6), payload, created_at, attempts, run_at, null, last_error, user_id, email
    from job where kind like 'mail.%' and state <> 'dead'`.execute(db);
  await db.schema.dropTable("job").execute();
}
