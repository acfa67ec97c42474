import { EventEmitter } from "node:events";
import type { Kysely } from "kysely";
import type pg from "pg";
import { postgresPoolOf } from "./create-db.js";
import type { Database } from "./schema.js";

/** Where a signal that could not be sent is reported (the server's logger, or a command's output). */
export interface SignalsLog {
  warn(details: object, message: string): void;
}

/** The channels nodes tell each other about: a notification was stored; an instance row changed. */
export type SignalChannel = "notification" | "instance";

const PREFIX = "switchboard_";
const RECONNECT_MS = 1_000;

/**
 * Small signals between the nodes that share a database: PostgreSQL's LISTEN/NOTIFY, on a
 * connection of its own; on SQLite (one node) an in-process emitter. A signal is a hint to look
 * again, never data: whoever hears it reads the database.
 */
export class DatabaseSignals {
  private readonly local = new EventEmitter();
  private listener: pg.PoolClient | undefined;
  private closed = false;
  /** Called when the listening connection was lost and signals may have been missed. */
  private onGap: (() => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: SignalsLog,
  ) {
    this.local.setMaxListeners(0);
  }

  private get pool(): pg.Pool | undefined {
    return postgresPoolOf(this.db);
  }

  /** Whether signals from other nodes arrive now (always on SQLite: there are none to miss). */
  get isListening(): boolean {
    return !this.pool || this.listener !== undefined;
  }

  /** Tells every node, this one included. */
  async publish(channel: SignalChannel, payload: string): Promise<void> {
    this.local.emit(channel, payload);
    if (!this.pool) return;
    try {
      await this.pool.query("select pg_notify($1, $2)", [PREFIX + channel, payload]);
    } catch (error) {
      // Listeners also re-read on a timer: a lost signal delays, it never loses data.
      this.log.warn({ err: error, channel }, "could not signal the other nodes");
    }
  }

  subscribe(channel: SignalChannel, handler: (payload: string) => void): () => void {
    this.local.on(channel, handler);
    return () => this.local.off(channel, handler);
  }

  /** After a lost connection, signals may have been missed: the handler drops what it cached. */
  onSignalsMissed(handler: () => void): void {
    this.onGap = handler;
  }

  /** Starts listening to the other nodes (PostgreSQL only). */
  async start(): Promise<void> {
    if (!this.pool || this.closed) return;
    try {
      const client = await this.pool.connect();
      client.on("notification", (message) => {
        if (!message.channel.startsWith(PREFIX)) return;
        // Our own signals come back too: a second look at the database is harmless.
        this.local.emit(message.channel.slice(PREFIX.length), message.payload ?? "");
      });
      client.on("error", () => this.reconnect(client));
      client.on("end", () => this.reconnect(client));
      for (const channel of ["notification", "instance"] satisfies SignalChannel[]) await client.query(`listen ${PREFIX}${channel}`);
      this.listener = client;
      this.onGap?.();
    } catch (error) {
      this.log.warn({ err: error }, "could not listen to the other nodes; retrying");
      setTimeout(() => void this.start(), RECONNECT_MS).unref();
    }
  }

  private reconnect(client: pg.PoolClient): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    try {
      client.release(true);
    } catch {
      // already released
    }
    this.onGap?.();
    if (!this.closed) setTimeout(() => void this.start(), RECONNECT_MS).unref();
  }

  async stop(): Promise<void> {
    this.closed = true;
    const client = this.listener;
    this.listener = undefined;
    if (client) {
      try {
        await client.query(`unlisten *`);
      } catch {
        // the connection is going anyway
      }
      client.release();
    }
  }
}
