import { sql, type Kysely, type Selectable, type Updateable } from "kysely";
import type { Database, InstanceTable } from "../../db/schema.js";
import { createSortableId } from "../../security/tokens.js";

export type InstanceRow = Selectable<InstanceTable>;

export class InstancesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts unless the id is taken; returns false on a collision so the caller can draw again. */
  async create(row: InstanceRow): Promise<boolean> {
    const result = await this.db.insertInto("instance").values(row).onConflict((conflict) => conflict.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  find(idInstance: number): Promise<InstanceRow | undefined> {
    return this.db.selectFrom("instance").selectAll().where("id_instance", "=", idInstance).executeTakeFirst();
  }

  listForUser(userId: string): Promise<InstanceRow[]> {
    return this.db.selectFrom("instance").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
  }

  /** Instances linked to a phone, whatever their state (a starting one is linked too). */
  listByWid(wid: string): Promise<InstanceRow[]> {
    return this.db.selectFrom("instance").selectAll().where("wid", "=", wid).orderBy("created_at").execute();
  }

  async update(idInstance: number, changes: Updateable<InstanceTable>): Promise<void> {
    await this.db.updateTable("instance").set(changes).where("id_instance", "=", idInstance).execute();
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
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(idInstance: number): Promise<void> {
    await this.db.deleteFrom("instance").where("id_instance", "=", idInstance).execute();
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
    return this.db
      .selectFrom("instance")
      .selectAll()
      .where("state", "=", "starting")
      .where("state_settles_at", "<=", now)
      .execute();
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

  /** Hands out the next receiptId of an instance's notification queue, atomically. */
  async nextReceiptId(idInstance: number): Promise<number> {
    const row = await this.db
      .updateTable("instance")
      .set({ last_receipt_id: sql<number>`last_receipt_id + 1` })
      .where("id_instance", "=", idInstance)
      .returning("last_receipt_id")
      .executeTakeFirst();
    if (!row) throw new Error(`instance ${idInstance} is gone`);
    return Number(row.last_receipt_id);
  }
}
