import type { Kysely, Selectable } from "kysely";
import { sqliteHandleOf } from "../../db/create-db.js";
import type { Database, SandboxMessageTable } from "../../db/schema.js";

export type SandboxMessageRow = Selectable<SandboxMessageTable>;

/** Sandbox phones and what each phone's screen shows. */
export class SandboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Opens the phone for this account (reopening its own is fine at any count): "over-quota" when
   * it already has `quota` phones, "taken" when another account has the number. The count and
   * the insert share a transaction that locks the account's row on PostgreSQL (SQLite runs one
   * transaction at a time), so concurrent opens cannot overrun the quota.
   */
  async openPhone(number: string, userId: string, now: number, quota: number): Promise<"opened" | "over-quota" | "taken"> {
    const isSqlite = sqliteHandleOf(this.db) !== undefined;
    return this.db.transaction().execute(async (trx) => {
      if (!isSqlite) await trx.selectFrom("user").select("id").where("id", "=", userId).forUpdate().execute();
      const ownerOf = async () =>
        (await trx.selectFrom("sandbox_phone").select("user_id").where("number", "=", number).executeTakeFirst())?.user_id;
      const owner = await ownerOf();
      if (owner === userId) return "opened";
      const { count } = await trx
        .selectFrom("sandbox_phone")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= quota) return "over-quota";
      if (owner !== undefined) return "taken";
      await trx
        .insertInto("sandbox_phone")
        .values({ number, user_id: userId, created_at: now })
        .onConflict((conflict) => conflict.column("number").doNothing())
        .execute();
      // Another account may have opened the number meanwhile: its lock is not ours.
      return (await ownerOf()) === userId ? "opened" : "taken";
    });
  }

  async isOwnedBy(number: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom("sandbox_phone").select("user_id").where("number", "=", number).executeTakeFirst();
    return row?.user_id === userId;
  }

  listPhonesOf(userId: string): Promise<Array<{ number: string; created_at: number }>> {
    return this.db.selectFrom("sandbox_phone").select(["number", "created_at"]).where("user_id", "=", userId).orderBy("number").execute();
  }

  /** The phone and its screen go; the other side of each conversation keeps its copy. */
  async deletePhone(number: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sandbox_message").where("phone_number", "=", number).execute();
      await trx.deleteFrom("sandbox_phone").where("number", "=", number).execute();
    });
  }

  findCodes(idInstance: number) {
    return this.db.selectFrom("sandbox_link_code").selectAll().where("id_instance", "=", idInstance).executeTakeFirst();
  }

  async setLinkCode(idInstance: number, code: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto("sandbox_link_code")
      .values({ id_instance: idInstance, link_code: code, link_code_expires_at: expiresAt })
      .onConflict((conflict) => conflict.column("id_instance").doUpdateSet({ link_code: code, link_code_expires_at: expiresAt }))
      .execute();
  }

  async setPairingCode(idInstance: number, code: string, phone: string, expiresAt: number): Promise<void> {
    const codes = { pairing_code: code, pairing_phone: phone, pairing_code_expires_at: expiresAt };
    await this.db
      .insertInto("sandbox_link_code")
      .values({ id_instance: idInstance, ...codes })
      .onConflict((conflict) => conflict.column("id_instance").doUpdateSet(codes))
      .execute();
  }

  /** The instance whose QR link carries this code, while it is valid. */
  async findByLinkCode(code: string, now: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("sandbox_link_code")
      .select("id_instance")
      .where("link_code", "=", code)
      .where("link_code_expires_at", ">", now)
      .executeTakeFirst();
    return row ? Number(row.id_instance) : undefined;
  }

  /** The instance that showed this pairing code for this phone, while it is valid. */
  async findByPairingCode(code: string, phone: string, now: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("sandbox_link_code")
      .select("id_instance")
      .where("pairing_code", "=", code)
      .where("pairing_phone", "=", phone)
      .where("pairing_code_expires_at", ">", now)
      .executeTakeFirst();
    return row ? Number(row.id_instance) : undefined;
  }

  async clearCodes(idInstance: number): Promise<void> {
    await this.db.deleteFrom("sandbox_link_code").where("id_instance", "=", idInstance).execute();
  }

  async hasPhone(number: string): Promise<boolean> {
    return (await this.db.selectFrom("sandbox_phone").select("number").where("number", "=", number).executeTakeFirst()) !== undefined;
  }

  /** The numbers a phone has chats with (sent or received). */
  async listPeers(phone: string): Promise<string[]> {
    const rows = await this.db.selectFrom("sandbox_message").select("peer_number").distinct().where("phone_number", "=", phone).execute();
    return rows.map((row) => row.peer_number);
  }

  /**
   * The copies of one message (the sender's, the recipient's) in one transaction: both or
   * neither. A copy a phone already has (a send retried after a crash) is not written twice.
   */
  async addMessages(rows: SandboxMessageRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Together or not at all; a copy the phone already has stays as it is (a unique index says so).
    await this.db
      .insertInto("sandbox_message")
      .values(rows)
      .onConflict((conflict) => conflict.columns(["phone_number", "id_message", "from_me"]).doNothing())
      .execute();
  }

  /** The latest messages of a chat, oldest first: a phone's screen shows the last 500. */
  async listMessages(phone: string, peer: string): Promise<SandboxMessageRow[]> {
    const latest = await this.db
      .selectFrom("sandbox_message")
      .selectAll()
      .where("phone_number", "=", phone)
      .where("peer_number", "=", peer)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(500)
      .execute();
    return latest.reverse();
  }

  /** Each chat of a phone with its last message and unread count, newest first. */
  async listChats(phone: string) {
    const chats = await this.db
      .selectFrom("sandbox_message")
      .select((eb) => [
        "peer_number",
        eb.fn.max("id").as("last_id"),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb("from_me", "=", 0), eb("is_read", "=", 0)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as("unread"),
      ])
      .where("phone_number", "=", phone)
      .groupBy("peer_number")
      .execute();
    const lastIds = chats.map((chat) => chat.last_id);
    const lasts = lastIds.length ? await this.db.selectFrom("sandbox_message").selectAll().where("id", "in", lastIds).execute() : [];
    const byId = new Map(lasts.map((row) => [row.id, row]));
    return chats
      .map((chat) => ({ peer: chat.peer_number, last: byId.get(chat.last_id)!, unread: Number(chat.unread) }))
      .sort((a, b) => b.last.id.localeCompare(a.last.id));
  }

  /** Marks what `phone` received from `peer` read, in one statement; returns the ids that were unread. */
  async markReceivedRead(phone: string, peer: string, idMessage?: string): Promise<string[]> {
    let query = this.db
      .updateTable("sandbox_message")
      .set({ is_read: 1 })
      .where("phone_number", "=", phone)
      .where("peer_number", "=", peer)
      .where("from_me", "=", 0)
      .where("is_read", "=", 0);
    if (idMessage) query = query.where("id_message", "=", idMessage);
    return (await query.returning("id_message").execute()).map((row) => row.id_message);
  }

  /** The sender's and the receivers' copies of one message. */
  listCopies(idMessage: string): Promise<SandboxMessageRow[]> {
    return this.db.selectFrom("sandbox_message").selectAll().where("id_message", "=", idMessage).execute();
  }

  /** A phone's copy of a message it received. */
  findReceived(phone: string, peer: string, idMessage: string): Promise<SandboxMessageRow | undefined> {
    return this.db
      .selectFrom("sandbox_message")
      .selectAll()
      .where("phone_number", "=", phone)
      .where("peer_number", "=", peer)
      .where("id_message", "=", idMessage)
      .where("from_me", "=", 0)
      .executeTakeFirst();
  }

  async setMyVote(phone: string, idMessage: string, options: string[]): Promise<void> {
    await this.db
      .updateTable("sandbox_message")
      .set({ my_vote: JSON.stringify(options) })
      .where("phone_number", "=", phone)
      .where("id_message", "=", idMessage)
      .where("from_me", "=", 0)
      .execute();
  }

  /** Every phone's copy of a message takes its sender's edit. */
  async editCopies(idMessage: string, text: string): Promise<void> {
    await this.db.updateTable("sandbox_message").set({ text, is_edited: 1 }).where("id_message", "=", idMessage).execute();
  }

  /** Every phone's copy of a message shows it deleted: what it said is gone from the screens. */
  async deleteCopies(idMessage: string, shown: string): Promise<void> {
    await this.db
      .updateTable("sandbox_message")
      .set({ text: shown, file: null, is_deleted: 1 })
      .where("id_message", "=", idMessage)
      .execute();
  }

  async setSentStatus(phone: string, idMessages: string[], status: string): Promise<void> {
    // In slices: SQLite binds at most 32,766 values in one statement.
    for (let start = 0; start < idMessages.length; start += 1000) {
      await this.db
        .updateTable("sandbox_message")
        .set({ status })
        .where("phone_number", "=", phone)
        .where("from_me", "=", 1)
        .where("id_message", "in", idMessages.slice(start, start + 1000))
        .execute();
    }
  }
}
