import { sql, type Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Each instance names the connector it talks through; every existing one is a sandbox instance.
  await db.schema
    .alterTable("instance")
    .addColumn("connector", "varchar(32)", (column) => column.notNull().defaultTo("sandbox"))
    .execute();

  // The sandbox's linking codes are the sandbox's own data, not the instance's.
  await db.schema
    .createTable("sandbox_link_code")
    .addColumn("id_instance", "bigint", (column) => column.primaryKey().references("instance.id_instance").onDelete("cascade"))
    .addColumn("link_code", "varchar(64)")
    .addColumn("link_code_expires_at", "bigint")
    .addColumn("pairing_code", "varchar(16)")
    .addColumn("pairing_phone", "varchar(20)")
    .addColumn("pairing_code_expires_at", "bigint")
    .execute();
  await db.schema.createIndex("sandbox_link_code_link_idx").on("sandbox_link_code").column("link_code").execute();
  await db.schema.createIndex("sandbox_link_code_pairing_idx").on("sandbox_link_code").columns(["pairing_code", "pairing_phone"]).execute();
  await sql`insert into sandbox_link_code (id_instance, link_code, link_code_expires_at, pairing_code, pairing_phone, pairing_code_expires_at)
    select id_instance, link_code, link_code_expires_at, pairing_code, pairing_phone, pairing_code_expires_at from instance
    where link_code is not null or pairing_code is not null`.execute(db);
  for (const column of ["link_code", "link_code_expires_at", "pairing_code", "pairing_phone", "pairing_code_expires_at"]) {
    await db.schema.alterTable("instance").dropColumn(column).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("instance").addColumn("link_code", "varchar(64)").execute();
  await db.schema.alterTable("instance").addColumn("link_code_expires_at", "bigint").execute();
  await db.schema.alterTable("instance").addColumn("pairing_code", "varchar(16)").execute();
  await db.schema.alterTable("instance").addColumn("pairing_phone", "varchar(20)").execute();
  await db.schema.alterTable("instance").addColumn("pairing_code_expires_at", "bigint").execute();
  await db.schema.dropTable("sandbox_link_code").execute();
  await db.schema.alterTable("instance").dropColumn("connector").execute();
}
