import type { Kysely, Selectable } from "kysely";
import type { Database, SandboxMessageTable } from "../../db/schema.js";

export type SandboxMessageRow = Selectable<SandboxMessageTable>;

/** Sandbox phones and what each phone's screen shows. */
export class SandboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens the phone for this account; false when another account already has the number. */
  async openPhone(number: string, userId: string, now: number): Promise<boolean> {
    await this.db
      .insertInto("sandbox_phone")
      .values({ number, user_id: userId, created_at: now })
      .onConflict((conflict) => conflict.column("number").doNothing())
      .execute();
    return this.isOwnedBy(number, userId);
  }

  async isOwnedBy(number: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom("sandbox_phone").select("user_id").where("number", "=", number).executeTakeFirst();
    return row?.user_id === userId;
  }

  async hasPhone(number: string): Promise<boolean> {
    return (await this.db.selectFrom("sandbox_phone").select("number").where("number", "=", number).executeTakeFirst()) !== undefined;
  }

  listPhones(): Promise<Array<{ number: string }>> {
    return this.db.selectFrom("sandbox_phone").select("number").orderBy("number").execute();
  }

  async addMessage(row: SandboxMessageRow): Promise<void> {
    await this.db.insertInto("sandbox_message").values(row).execute();
  }

  listMessages(phone: string, peer: string): Promise<SandboxMessageRow[]> {
    return this.db
      .selectFrom("sandbox_message")
      .selectAll()
      .where("phone_number", "=", phone)
      .where("peer_number", "=", peer)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  async listChats(phone: string) {
    const rows = await this.db
      .selectFrom("sandbox_message")
      .selectAll()
      .where("phone_number", "=", phone)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    const chats = new Map<string, { peer: string; last: SandboxMessageRow; unread: number }>();
    for (const row of rows) {
      const chat = chats.get(row.peer_number) ?? { peer: row.peer_number, last: row, unread: 0 };
      if (row.from_me === 0 && row.is_read === 0) chat.unread++;
      chats.set(row.peer_number, chat);
    }
    return [...chats.values()];
  }

  /** Marks what `phone` received from `peer` read; returns the ids that were unread. */
  async markReceivedRead(phone: string, peer: string, idMessage?: string): Promise<string[]> {
    let query = this.db
      .selectFrom("sandbox_message")
      .select("id_message")
      .where("phone_number", "=", phone)
      .where("peer_number", "=", peer)
      .where("from_me", "=", 0)
      .where("is_read", "=", 0);
    if (idMessage) query = query.where("id_message", "=", idMessage);
    const ids = (await query.execute()).map((row) => row.id_message);
    if (ids.length > 0) {
      await this.db
        .updateTable("sandbox_message")
        .set({ is_read: 1 })
        .where("phone_number", "=", phone)
        .where("peer_number", "=", peer)
        .where("id_message", "in", ids)
        .execute();
    }
    return ids;
  }

  /** The sender's and the receivers' copies of one message. */
  listCopies(idMessage: string): Promise<SandboxMessageRow[]> {
    return this.db.selectFrom("sandbox_message").selectAll().where("id_message", "=", idMessage).execute();
  }

  async setSentStatus(phone: string, idMessages: string[], status: string): Promise<void> {
    if (idMessages.length === 0) return;
    await this.db
      .updateTable("sandbox_message")
      .set({ status })
      .where("phone_number", "=", phone)
      .where("from_me", "=", 1)
      .where("id_message", "in", idMessages)
      .execute();
  }
}
