import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import type { Database } from "./schema.js";
import * as accounts from "./migrations/2026-11-27-0001-accounts.js";
import * as instances from "./migrations/2026-11-27-0002-instances.js";
import * as accountLifecycle from "./migrations/2026-11-29-0003-account-lifecycle.js";
import * as jobs from "./migrations/2026-11-29-0004-jobs.js";
import * as messagingCore from "./migrations/2026-11-29-0005-messaging-core.js";
import * as instanceLeases from "./migrations/2026-11-29-0006-instance-leases.js";
import * as sandboxCopiesOnce from "./migrations/2026-11-29-0007-sandbox-copies-once.js";
import * as webhooks from "./migrations/2026-11-29-0008-webhooks.js";
import * as media from "./migrations/2026-11-29-0009-media.js";
import * as mediaFiles from "./migrations/2026-11-29-0010-media-files.js";
import * as chatSettings from "./migrations/2026-11-29-0011-chat-settings.js";
import * as editsAndDeletes from "./migrations/2026-11-29-0012-edits-and-deletes.js";
import * as pollVotes from "./migrations/2026-11-29-0013-poll-votes.js";
import * as partnerTokens from "./migrations/2026-11-29-0014-partner-tokens.js";

/** Listed by hand so that the compiled server needs no directory scan; names sort in run order. */
const migrations: Record<string, Migration> = {
  "2026-11-27-0001-accounts": accounts,
  "2026-11-27-0002-instances": instances,
  "2026-11-29-0003-account-lifecycle": accountLifecycle,
  "2026-11-29-0004-jobs": jobs,
  "2026-11-29-0005-messaging-core": messagingCore,
  "2026-11-29-0006-instance-leases": instanceLeases,
  "2026-11-29-0007-sandbox-copies-once": sandboxCopiesOnce,
  "2026-11-29-0008-webhooks": webhooks,
  "2026-11-29-0009-media": media,
  "2026-11-29-0010-media-files": mediaFiles,
  "2026-11-29-0011-chat-settings": chatSettings,
  "2026-11-29-0012-edits-and-deletes": editsAndDeletes,
  "2026-11-29-0013-poll-votes": pollVotes,
  "2026-11-29-0014-partner-tokens": partnerTokens,
};

const staticProvider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Kysely asks better-sqlite3 to prepare every statement anew; the hot paths run the
 * same few statements thousands of times a second, so prepared ones are kept (LRU).
 * Kysely runs one SQLite query at a time, so a statement is never used twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, size = 300) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      const cached = cache.get(sql);
      if (cached) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

export interface DbOptions {
  /** PostgreSQL only: the schema to work in (tests use one schema per file). */
  searchPath?: string;
}

const sqliteHandles = new WeakMap<Kysely<Database>, SQLite.Database>();

/**
 * The better-sqlite3 handle under a SQLite Kysely, for the one hot read that must not
 * pay Kysely's asynchronous round (the API's instance look-up); undefined on PostgreSQL.
 */
export function sqliteHandleOf(db: Kysely<Database>): SQLite.Database | undefined {
  return sqliteHandles.get(db);
}

const postgresPools = new WeakMap<Kysely<Database>, pg.Pool>();

/** The pg pool under a PostgreSQL Kysely, for a connection that LISTENs; undefined on SQLite. */
export function postgresPoolOf(db: Kysely<Database>): pg.Pool | undefined {
  return postgresPools.get(db);
}

export function createDb(config: DatabaseConfig, options: DbOptions = {}): Kysely<Database> {
  if (config.dialect === "sqlite") {
    if (config.file !== ":memory:") fs.mkdirSync(path.dirname(config.file), { recursive: true });
    const sqlite = new SQLite(config.file);
    // WAL lets readers run beside the writer; FULL sync keeps acknowledged writes through a power cut.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    // Every API call reads its instance's row: keep hot pages in memory rather than read them
    // through system calls (64 MiB of cache at most, file pages memory-mapped).
    sqlite.pragma("cache_size = -65536");
    sqlite.pragma("mmap_size = 268435456");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    sqliteHandles.set(db, sqlite);
    return db;
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    // Half-open connections (a vanished server) are noticed rather than waited on forever.
    keepAlive: true,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    types: {
      // bigint columns hold epoch milliseconds, well inside Number's exact range.
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server drops while idle (a restart, a failover, an idle timeout) is an
  // 'error' on the pool: pg discards that client, and without a listener Node would exit.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  postgresPools.set(db, pool);
  return db;
}

async function migratorFor(db: Kysely<Database>, options: DbOptions = {}): Promise<Migrator> {
  // On PostgreSQL the schema is named explicitly: otherwise Kysely looks for its bookkeeping
  // tables across every schema, and another schema's (a second Switchboard) would fool it.
  const schema = sqliteHandleOf(db)
    ? undefined
    : (options.searchPath ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema);
  return new Migrator({
    db,
    provider: staticProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/** Brings the schema up to date; throws when a migration fails. */
export async function migrateToLatest(db: Kysely<Database>, options: DbOptions = {}): Promise<void> {
  const migrator = await migratorFor(db, options);
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === "Error");
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ""} failed`, { cause: error });
  }
}

/** The migrations this code knows that the database has not run (another node may be newer or older). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrations = await (await migratorFor(db)).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
