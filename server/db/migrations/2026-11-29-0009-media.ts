import { SqliteAdapter, sql, type Kysely } from "kysely";

// Frozen once released: later changes go into a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  const binary = db.getExecutor().adapter instanceof SqliteAdapter ? sql`blob` : sql`bytea`;
  // File bytes kept in the database (several nodes share them): a blob row once every chunk is in.
  await db.schema
    .createTable("media_blob")
    .addColumn("key", "varchar(32)", (column) => column.primaryKey())
    .addColumn("size", "bigint", (column) => column.notNull())
    .addColumn("sha256", "varchar(64)", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema
    .createTable("media_chunk")
    .addColumn("key", "varchar(32)", (column) => column.notNull())
    .addColumn("seq", "integer", (column) => column.notNull())
    .addColumn("data", binary, (column) => column.notNull())
    .addPrimaryKeyConstraint("media_chunk_pk", ["key", "seq"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("media_chunk").execute();
  await db.schema.dropTable("media_blob").execute();
}
