import type { Kysely, Selectable, Updateable } from "kysely";
import type { Database, InstanceTable } from "../../db/schema.js";
import { sqliteHandleOf } from "../../db/create-db.js";
import { createSortableId } from "../../security/tokens.js";

export type InstanceRow = Selectable<InstanceTable>;

/** How many instance rows the SQLite cache keeps: about 1.5 KB each. */
const CACHE_ROWS = 100_000;

export class InstancesRepository {
  /**
   * Every API call reads its instance. On SQLite this process is the only server writing the
   * table (one node), and every write below goes through this class, which drops the row
   * from the cache; a commit by another connection (the operator's admin command) changes
   * SQLite's data_version, which empties the cache: so the cache is always what the table holds. Two counters are written
   * elsewhere, in the transactions they belong to, and are never read from a cached row:
   * has_queued (the journal) and last_receipt_id (the notification queue). PostgreSQL serves several
   * nodes, each writing, so there every read goes to the database.
   */
  private readonly cache: Map<number, InstanceRow> | undefined;
  private readonly findOnSqlite: ((idInstance: number) => InstanceRow | undefined) | undefined;
  private readonly readDataVersion: (() => number) | undefined;
  private seenDataVersion = 0;

  constructor(private readonly db: Kysely<Database>) {
    const sqlite = sqliteHandleOf(db);
    if (sqlite) {
      // One synchronous prepared statement: Kysely's asynchronous round costs more than the read.
      const statement = sqlite.prepare<[number], InstanceRow>('select * from "instance" where "id_instance" = ?');
      this.findOnSqlite = (idInstance) => statement.get(idInstance);
      this.cache = new Map();
      // SQLite's data_version changes when another connection (the operator's admin command) commits.
      const dataVersion = sqlite.prepare<[], number>("pragma data_version").pluck();
      this.readDataVersion = () => dataVersion.get() ?? 0;
      this.seenDataVersion = this.readDataVersion();
    }
  }

  private forget(idInstance: number): void {
    this.cache?.delete(idInstance);
  }

  /** Inserts unless the id is taken; returns false on a collision so the caller can draw again. */
  async create(row: InstanceRow): Promise<boolean> {
    const result = await this.db
      .insertInto("instance")
      .values(row)
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Every API call starts here. On SQLite it skips Kysely's asynchronous driver round,
   * which costs several times the read itself; the answer is the same row either way.
   */
  async find(idInstance: number): Promise<InstanceRow | undefined> {
    if (!this.cache || !this.findOnSqlite) {
      return this.db.selectFrom("instance").selectAll().where("id_instance", "=", idInstance).executeTakeFirst();
    }
    const version = this.readDataVersion?.() ?? 0;
    if (version !== this.seenDataVersion) {
      this.seenDataVersion = version;
      this.cache.clear();
    }
    const cached = this.cache.get(idInstance);
    if (cached) return cached;
    const row = this.findOnSqlite(idInstance);
    if (row) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.cache.size >= CACHE_ROWS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(idInstance, Object.freeze(row));
    }
    return row;
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom("instance")
      .select((eb) => eb.fn.countAll().as("count"))
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** An operator disabled or enabled the owner's account. */
  async setOwnerDisabled(userId: string, isDisabled: boolean): Promise<void> {
    await this.db
      .updateTable("instance")
      .set({ owner_disabled: isDisabled ? 1 : 0 })
      .where("user_id", "=", userId)
      .execute();
    this.cache?.clear();
  }

  listForUser(userId: string): Promise<InstanceRow[]> {
    return this.db.selectFrom("instance").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
  }

  /** Instances linked to a phone, whatever their state (a starting one is linked too). */
  listByWid(wid: string): Promise<InstanceRow[]> {
    return this.db.selectFrom("instance").selectAll().where("wid", "=", wid).orderBy("created_at").execute();
  }

  /**
   * Reads, merges and writes the settings in one transaction, the row locked on PostgreSQL
   * (SQLite runs one transaction at a time): two saves at once both land. Answers the result.
   */
  async mergeSettings(idInstance: number, merge: (stored: string) => string, now: number): Promise<string> {
    const isSqlite = sqliteHandleOf(this.db) !== undefined;
    const settings = await this.db.transaction().execute(async (trx) => {
      let read = trx.selectFrom("instance").select("settings").where("id_instance", "=", idInstance);
      if (!isSqlite) read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (!row) throw new Error(`instance ${idInstance} is gone`);
      const merged = merge(row.settings);
      await trx.updateTable("instance").set({ settings: merged, updated_at: now }).where("id_instance", "=", idInstance).execute();
      return merged;
    });
    this.forget(idInstance);
    return settings;
  }

  // Each write forgets the cached row after it is done: a read in between may have cached the old one.
  async update(idInstance: number, changes: Updateable<InstanceTable>): Promise<void> {
    await this.db.updateTable("instance").set(changes).where("id_instance", "=", idInstance).execute();
    this.forget(idInstance);
  }

  /** Writes only if the row still holds the state and wid it was read with; true when it did. */
  async updateIfUnchanged(read: InstanceRow, changes: Updateable<InstanceTable>): Promise<boolean> {
    let query = this.db
      .updateTable("instance")
      .set(changes)
      .where("id_instance", "=", read.id_instance)
      .where("state", "=", read.state)
      .where("wid", "=", read.wid);
    // A "starting" row is settled only by the phase it was read with, not by a newer restart.
    if (read.state === "starting" && read.state_settles_at !== null) query = query.where("state_settles_at", "=", read.state_settles_at);
    const result = await query.executeTakeFirst();
    this.forget(Number(read.id_instance));
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Takes the instance's next send slot if it is authorized and its spacing has elapsed.
   * Only one caller wins a slot, whichever node it runs on.
   */
  async claimSendSlot(idInstance: number, now: number, nextSendAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable("instance")
      .set({ next_send_at: nextSendAt })
      .where("id_instance", "=", idInstance)
      .where("state", "=", "authorized")
      .where("next_send_at", "<=", now)
      .executeTakeFirst();
    this.forget(idInstance);
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(idInstance: number): Promise<void> {
    await this.db.deleteFrom("instance").where("id_instance", "=", idInstance).execute();
    this.forget(idInstance);
  }

  findByLinkCode(code: string, now: number): Promise<InstanceRow | undefined> {
    return this.db
      .selectFrom("instance")
      .selectAll()
      .where("link_code", "=", code)
      .where("link_code_expires_at", ">", now)
      .executeTakeFirst();
  }

  findByPairingCode(code: string, phone: string, now: number): Promise<InstanceRow | undefined> {
    return this.db
      .selectFrom("instance")
      .selectAll()
      .where("pairing_code", "=", code)
      .where("pairing_phone", "=", phone)
      .where("pairing_code_expires_at", ">", now)
      .executeTakeFirst();
  }

  /** Instances whose "starting" phase is over. */
  listSettling(now: number): Promise<InstanceRow[]> {
    return this.db.selectFrom("instance").selectAll().where("state", "=", "starting").where("state_settles_at", "<=", now).execute();
  }

  /** getStateInstanceHistory looks back 30 days at the most. */
  async deleteStateHistoryOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("instance_state_event").where("occurred_at", "<", cutoff).execute();
  }

  async recordState(idInstance: number, state: string, phone: string, now: number): Promise<void> {
    await this.db
      .insertInto("instance_state_event")
      .values({ id: createSortableId(now), id_instance: idInstance, state, phone, occurred_at: now })
      .execute();
  }

  listStateHistory(idInstance: number, count: number) {
    return this.db
      .selectFrom("instance_state_event")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(count)
      .execute();
  }
}
