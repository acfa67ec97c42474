import type { Kysely, Selectable, Updateable } from "kysely";
import { INSTANCE_STATES, type InstanceState, type WritableSettings } from "../../../shared/green-api.js";
import type { Database, InstanceTable } from "../../db/schema.js";
import { sqliteHandleOf } from "../../db/create-db.js";
import { createSortableId } from "../../security/tokens.js";
import { CONNECTOR_KINDS, type ConnectorKind, type Instance, type StateChange } from "./instance.js";
import type { DatabaseSignals } from "../../db/database-signals.js";
import type { Fence } from "./instance-leases.js";
import { readSettings } from "./settings.js";

type InstanceRow = Selectable<InstanceTable>;

/** An instance with its token's SHA-256 (32 bytes): only for the messaging service's token check. */
export interface InstanceWithTokenHash {
  instance: Instance;
  tokenHash: Buffer;
}

export interface NewInstance {
  idInstance: number;
  userId: string;
  name: string;
  tokenHash: string;
  tokenSealed: string;
  settings: WritableSettings;
  connector: ConnectorKind;
  now: number;
}

/** A new instance's row: not linked, the token hashed and sealed. */
function newRow(fields: NewInstance): InstanceRow {
  return {
    id_instance: fields.idInstance,
    user_id: fields.userId,
    name: fields.name,
    state: "notAuthorized",
    wid: "",
    token_hash: fields.tokenHash,
    token_sealed: fields.tokenSealed,
    settings: JSON.stringify(fields.settings),
    last_receipt_id: 0,
    connector: fields.connector,
    state_settles_at: null,
    next_send_at: 0,
    has_queued: 0,
    owner_disabled: 0,
    webhook_enabled: fields.settings.webhookUrl === "" ? 0 : 1,
    created_at: fields.now,
    updated_at: fields.now,
  };
}

/** The signal payload that drops every cached instance. */
const ALL = "*";

/** How many instances the SQLite cache keeps: about 1.5 KB each. */
const CACHE_ROWS = 100_000;

function asState(value: string): InstanceState {
  return (INSTANCE_STATES as readonly string[]).includes(value) ? (value as InstanceState) : "notAuthorized";
}

function asConnector(value: string): ConnectorKind {
  return (CONNECTOR_KINDS as readonly string[]).includes(value) ? (value as ConnectorKind) : "sandbox";
}

function toInstance(row: InstanceRow): Instance {
  return Object.freeze({
    idInstance: Number(row.id_instance),
    userId: row.user_id,
    name: row.name,
    state: asState(row.state),
    wid: row.wid,
    settings: Object.freeze(readSettings(row.settings)),
    connector: asConnector(row.connector),
    stateSettlesAt: row.state_settles_at === null ? null : Number(row.state_settles_at),
    isOwnerDisabled: row.owner_disabled === 1,
    createdAt: Number(row.created_at),
  });
}

/** The instance table. Rows stay here: every caller gets an Instance, which holds no token. */
export class InstancesRepository {
  /**
   * Every API call reads its instance, so each node keeps instances in memory. Every write
   * below goes through this class, which drops the entry from the cache and, on PostgreSQL,
   * signals the other nodes to drop theirs (LISTEN/NOTIFY); a lost signal connection empties the
   * cache. On SQLite (one node) a commit by another connection (the operator's admin command)
   * changes data_version, which empties the cache; it is read once per event-loop turn. A read caches its answer only if no
   * invalidation arrived while it read, so a stale row is never kept. Two counters are written
   * elsewhere, in the transactions they belong to, and are not part of an Instance: has_queued
   * (the messages) and last_receipt_id (the notification queue).
   */
  private readonly cache = new Map<number, InstanceWithTokenHash>();
  private readonly findOnSqlite: ((idInstance: number) => InstanceRow | undefined) | undefined;
  private readonly readDataVersion: (() => number) | undefined;
  private seenDataVersion = 0;
  /** data_version is read once per event-loop turn, not per call: the read costs a sixth of a cached call. */
  private isDataVersionFresh = false;
  /** Counts invalidations: a read that saw it change meanwhile does not cache what it read. */
  private invalidations = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** Tells the other nodes what this one wrote; without it (a one-off command) nothing is cached. */
    private readonly signals?: DatabaseSignals,
  ) {
    const sqlite = sqliteHandleOf(db);
    if (sqlite) {
      // One synchronous prepared statement: Kysely's asynchronous round costs more than the read.
      const statement = sqlite.prepare<[number], InstanceRow>('select * from "instance" where "id_instance" = ?');
      this.findOnSqlite = (idInstance) => statement.get(idInstance);
      // SQLite's data_version changes when another connection (the operator's admin command) commits.
      const dataVersion = sqlite.prepare<[], number>("pragma data_version").pluck();
      this.readDataVersion = () => dataVersion.get() ?? 0;
      this.seenDataVersion = this.readDataVersion();
    }
    signals?.subscribe("instance", (payload) => {
      if (payload === ALL) this.dropAll();
      else this.drop(Number(payload));
    });
    signals?.onSignalsMissed(() => this.dropAll());
  }

  /** On PostgreSQL only while other nodes' signals arrive: a row read while deaf could go stale unnoticed. */
  private get isCaching(): boolean {
    return this.findOnSqlite !== undefined || (this.signals?.isListening ?? false);
  }

  /**
   * A commit by another connection is seen from the next turn of the event loop on: a request
   * that arrives after the operator's command returned is answered with its change.
   */
  private checkDataVersion(readDataVersion: () => number): void {
    this.isDataVersionFresh = true;
    setImmediate(() => {
      this.isDataVersionFresh = false;
    });
    const version = readDataVersion();
    if (version !== this.seenDataVersion) {
      this.seenDataVersion = version;
      this.dropAll();
    }
  }

  private drop(idInstance: number): void {
    this.invalidations++;
    this.cache.delete(idInstance);
  }

  private dropAll(): void {
    this.invalidations++;
    this.cache.clear();
  }

  private forget(idInstance: number): void {
    this.drop(idInstance);
    void this.signals?.publish("instance", String(idInstance));
  }

  /**
   * Inserts unless the owner already has `quota` instances or the id is taken (the caller then
   * draws again). The count and the insert share a transaction that locks the owner's row on
   * PostgreSQL (SQLite runs one transaction at a time), so concurrent creations cannot overrun it.
   */
  async createWithinQuota(fields: NewInstance, quota: number): Promise<Instance | "over-quota" | "id-taken"> {
    const row = newRow(fields);
    const isSqlite = sqliteHandleOf(this.db) !== undefined;
    return this.db.transaction().execute(async (trx) => {
      if (!isSqlite) await trx.selectFrom("user").select("id").where("id", "=", fields.userId).forUpdate().execute();
      const { count } = await trx
        .selectFrom("instance")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("user_id", "=", fields.userId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= quota) return "over-quota";
      const result = await trx
        .insertInto("instance")
        .values(row)
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? toInstance(row) : "id-taken";
    });
  }

  /** Many new instances in one transaction, as `createWithinQuota` makes each (the benchmark's setup). */
  async insertMany(instances: NewInstance[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let start = 0; start < instances.length; start += 500) {
        await trx
          .insertInto("instance")
          .values(instances.slice(start, start + 500).map(newRow))
          .execute();
      }
    });
  }

  /**
   * Every API call starts here. On SQLite it skips Kysely's asynchronous driver round,
   * which costs several times the read itself; the answer is the same either way.
   */
  async findWithTokenHash(idInstance: number): Promise<InstanceWithTokenHash | undefined> {
    if (this.readDataVersion && !this.isDataVersionFresh) this.checkDataVersion(this.readDataVersion);
    const cached = this.cache.get(idInstance);
    if (cached) return cached;
    const invalidationsBefore = this.invalidations;
    const row = this.findOnSqlite
      ? this.findOnSqlite(idInstance)
      : await this.db.selectFrom("instance").selectAll().where("id_instance", "=", idInstance).executeTakeFirst();
    if (!row) return undefined;
    const found = { instance: toInstance(row), tokenHash: Buffer.from(row.token_hash, "hex") };
    if (this.isCaching && this.invalidations === invalidationsBefore) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.cache.size >= CACHE_ROWS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(idInstance, found);
    }
    return found;
  }

  async find(idInstance: number): Promise<Instance | undefined> {
    return (await this.findWithTokenHash(idInstance))?.instance;
  }

  async findSealedToken(idInstance: number): Promise<string | undefined> {
    const row = await this.db.selectFrom("instance").select("token_sealed").where("id_instance", "=", idInstance).executeTakeFirst();
    return row?.token_sealed;
  }

  async setToken(idInstance: number, tokenHash: string, tokenSealed: string, now: number): Promise<void> {
    await this.update(idInstance, { token_hash: tokenHash, token_sealed: tokenSealed, updated_at: now });
  }

  /** An operator disabled or enabled the owner's account. */
  async setOwnerDisabled(userId: string, isDisabled: boolean): Promise<void> {
    await this.db
      .updateTable("instance")
      .set({ owner_disabled: isDisabled ? 1 : 0 })
      .where("user_id", "=", userId)
      .execute();
    this.dropAll();
    // Another process (the operator's command) must reach every node: all of them drop everything.
    await this.signals?.publish("instance", ALL);
  }

  async listForUser(userId: string): Promise<Instance[]> {
    const rows = await this.db.selectFrom("instance").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
    return rows.map(toInstance);
  }

  async listByConnector(kind: ConnectorKind): Promise<Instance[]> {
    const rows = await this.db.selectFrom("instance").selectAll().where("connector", "=", kind).execute();
    return rows.map(toInstance);
  }

  /** Instances linked to a phone, whatever their state (a starting one is linked too). */
  async listByWid(wid: string): Promise<Instance[]> {
    const rows = await this.db.selectFrom("instance").selectAll().where("wid", "=", wid).orderBy("created_at").execute();
    return rows.map(toInstance);
  }

  /**
   * Reads, merges and writes the settings in one transaction, the row locked on PostgreSQL
   * (SQLite runs one transaction at a time): two saves at once both land. Answers the result.
   */
  async mergeSettings(
    idInstance: number,
    merge: (stored: WritableSettings) => WritableSettings,
    now: number,
  ): Promise<WritableSettings | undefined> {
    const isSqlite = sqliteHandleOf(this.db) !== undefined;
    const settings = await this.db.transaction().execute(async (trx) => {
      let read = trx.selectFrom("instance").select("settings").where("id_instance", "=", idInstance);
      if (!isSqlite) read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (!row) return undefined;
      const merged = merge(readSettings(row.settings));
      await trx
        .updateTable("instance")
        .set({ settings: JSON.stringify(merged), webhook_enabled: merged.webhookUrl === "" ? 0 : 1, updated_at: now })
        .where("id_instance", "=", idInstance)
        .execute();
      return merged;
    });
    this.forget(idInstance);
    return settings;
  }

  async setState(
    idInstance: number,
    changes: { state: InstanceState; wid?: string; stateSettlesAt: number | null; now: number },
  ): Promise<void> {
    await this.update(idInstance, stateColumns(changes));
  }

  /** Writes only if the row still holds the state and wid it was read with; true when it did. */
  async setStateIfUnchanged(
    read: Instance,
    changes: { state: InstanceState; wid?: string; stateSettlesAt: number | null; now: number },
  ): Promise<boolean> {
    let query = this.db
      .updateTable("instance")
      .set(stateColumns(changes))
      .where("id_instance", "=", read.idInstance)
      .where("state", "=", read.state)
      .where("wid", "=", read.wid);
    // A "starting" row is settled only by the phase it was read with, not by a newer restart.
    if (read.state === "starting" && read.stateSettlesAt !== null) query = query.where("state_settles_at", "=", read.stateSettlesAt);
    const result = await query.executeTakeFirst();
    this.forget(read.idInstance);
    return Number(result.numUpdatedRows) === 1;
  }

  // Each write forgets the cached entry after it is done: a read in between may have cached the old one.
  private async update(idInstance: number, changes: Updateable<InstanceTable>): Promise<void> {
    await this.db.updateTable("instance").set(changes).where("id_instance", "=", idInstance).execute();
    this.forget(idInstance);
  }

  /**
   * Takes the instance's next send slot if it is authorized and its spacing has elapsed.
   * Only one caller wins a slot, whichever node it runs on.
   */
  async claimSendSlot(idInstance: number, now: number, nextSendAt: number, fence?: Fence): Promise<boolean> {
    let query = this.db
      .updateTable("instance")
      .set({ next_send_at: nextSendAt })
      .where("id_instance", "=", idInstance)
      .where("state", "=", "authorized")
      .where("next_send_at", "<=", now);
    // A node that lost the instance's lease (a newer epoch exists) cannot take a slot.
    if (fence) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom("instance_lease")
            .select("instance_lease.id_instance")
            .where("instance_lease.id_instance", "=", idInstance)
            .where("instance_lease.owner_node", "=", fence.node)
            .where("instance_lease.epoch", "=", fence.epoch)
            .where("instance_lease.expires_at", ">", now),
        ),
      );
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(idInstance: number): Promise<void> {
    await this.db.deleteFrom("instance").where("id_instance", "=", idInstance).execute();
    this.forget(idInstance);
  }

  /** Instances whose "starting" phase is over. */
  async listSettling(now: number): Promise<Instance[]> {
    const rows = await this.db
      .selectFrom("instance")
      .selectAll()
      .where("state", "=", "starting")
      .where("state_settles_at", "<=", now)
      .execute();
    return rows.map(toInstance);
  }

  /** getStateInstanceHistory looks back 30 days at the most. */
  async deleteStateHistoryOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("instance_state_event").where("occurred_at", "<", cutoff).execute();
  }

  async recordState(idInstance: number, state: InstanceState, phone: string, now: number): Promise<void> {
    await this.db
      .insertInto("instance_state_event")
      .values({ id: createSortableId(now), id_instance: idInstance, state, phone, occurred_at: now })
      .execute();
  }

  async listStateHistory(idInstance: number, count: number): Promise<StateChange[]> {
    const rows = await this.db
      .selectFrom("instance_state_event")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(count)
      .execute();
    return rows.map((row) => ({ state: asState(row.state), phone: row.phone, occurredAt: Number(row.occurred_at) }));
  }
}

function stateColumns(changes: { state: InstanceState; wid?: string; stateSettlesAt: number | null; now: number }) {
  return {
    state: changes.state,
    ...(changes.wid !== undefined ? { wid: changes.wid } : {}),
    state_settles_at: changes.stateSettlesAt,
    updated_at: changes.now,
  };
}
