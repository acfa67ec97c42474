import type { Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A file as the API and the sandbox know it. Several files may share one stored blob (a file
  // forwarded, received by two instances, sent again by its link); the blob goes with the last.
  await db.schema
    .createTable("media_file")
    .addColumn("id", "varchar(32)", (column) => column.primaryKey())
    .addColumn("blob_key", "varchar(32)", (column) => column.notNull())
    .addColumn("user_id", "varchar(36)", (column) => column.notNull())
    .addColumn("id_instance", "bigint")
    .addColumn("file_name", "varchar(255)", (column) => column.notNull())
    .addColumn("mime_type", "varchar(255)", (column) => column.notNull())
    .addColumn("size", "bigint", (column) => column.notNull())
    .addColumn("sha256", "varchar(64)", (column) => column.notNull())
    // "uploading" until every byte is stored, then "ready".
    .addColumn("state", "varchar(16)", (column) => column.notNull())
    // 1 for an instance's copy of a file someone sent it: not charged to its account's quota.
    .addColumn("received", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("media_file_blob_idx").on("media_file").column("blob_key").execute();
  await db.schema.createIndex("media_file_user_idx").on("media_file").columns(["user_id", "state"]).execute();
  await db.schema.createIndex("media_file_instance_idx").on("media_file").column("id_instance").execute();
  await db.schema.createIndex("media_file_expiry_idx").on("media_file").column("expires_at").execute();
  // What a sandbox phone shows of a file message: its link, name, type and size, as JSON.
  await db.schema.alterTable("sandbox_message").addColumn("file", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sandbox_message").dropColumn("file").execute();
  await db.schema.dropTable("media_file").execute();
}
