import type { Kysely, Selectable } from "kysely";
import type { Database, MessageTable } from "../../db/schema.js";

export type MessageRow = Selectable<MessageTable>;

/** Stored content of a message: its journal fields and its notification messageData. */
export interface MessageContent {
  journal: Record<string, unknown>;
  messageData: Record<string, unknown>;
  senderName?: string;
}

/** SQLite caps bound variables per statement; 16 columns × 500 rows stays far below. */
const INSERT_CHUNK = 500;
/** At most this many entries in one answer of lastIncomingMessages / lastOutgoingMessages. */
const JOURNAL_ANSWER_LIMIT = 10_000;
/** showMessagesQueue answers the first this many queued messages. */
const QUEUE_ANSWER_LIMIT = 1_000;

/** The message table: the send queue (status "queued") and the journal of every chat. */
export class JournalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(rows: MessageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const queuedFor = [...new Set(rows.filter((row) => row.status === "queued").map((row) => row.id_instance))];
    await this.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await trx
          .insertInto("message")
          .values(rows.slice(start, start + INSERT_CHUNK))
          .execute();
      }
      for (let start = 0; start < queuedFor.length; start += INSERT_CHUNK) {
        await trx
          .updateTable("instance")
          .set({ has_queued: 1 })
          .where("id_instance", "in", queuedFor.slice(start, start + INSERT_CHUNK))
          .where("has_queued", "=", 0)
          .execute();
      }
    });
  }

  /** Inserts unless this instance already has the message; a redelivery is then a no-op. */
  async insertOnce(row: MessageRow): Promise<boolean> {
    const result = await this.db
      .insertInto("message")
      .values(row)
      .onConflict((conflict) => conflict.columns(["id_instance", "id_message", "direction"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Messages handed to the network before `before` whose outcome was never recorded. */
  listStalePending(before: number, limit: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("status", "=", "pending")
      .where("sent_at", "<", before)
      .orderBy("sent_at")
      .limit(limit)
      .execute();
  }

  /** Authorized instances that may have queued messages and whose spacing has elapsed. */
  async listInstancesDueToSend(now: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("instance")
      .select("id_instance")
      .where("state", "=", "authorized")
      .where("has_queued", "=", 1)
      .where("next_send_at", "<=", now)
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.id_instance));
  }

  /** The head of an instance's send queue. */
  oldestQueued(idInstance: number): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("status", "=", "queued")
      .where("id_instance", "=", idInstance)
      .orderBy("created_at")
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
  }

  /** Clears the instance's "may have queued" mark unless a message is queued (atomically). */
  async markQueueEmpty(idInstance: number): Promise<void> {
    await this.db
      .updateTable("instance")
      .set({ has_queued: 0 })
      .where("id_instance", "=", idInstance)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("message")
              .select("message.id")
              .where("message.status", "=", "queued")
              .where("message.id_instance", "=", idInstance),
          ),
        ),
      )
      .execute();
  }

  /** Sets an outgoing message's status if it is now one of `from`; answers the row when it did. */
  advanceOutgoingStatus(idInstance: number, idMessage: string, status: string, from: string[]) {
    return this.db
      .updateTable("message")
      .set({ status })
      .where("id_instance", "=", idInstance)
      .where("id_message", "=", idMessage)
      .where("direction", "=", "outgoing")
      .where("status", "in", from)
      .returning(["chat_id", "send_by_api"])
      .executeTakeFirst();
  }

  /** Takes a queued message out of the queue to send it; false if it was cleared or taken meanwhile. */
  async claimForSending(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("message")
      .set({ status: "pending", sent_at: now })
      .where("id", "=", id)
      .where("status", "=", "queued")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  find(idInstance: number, chatId: string, idMessage: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .where("id_message", "=", idMessage)
      .where("status", "!=", "queued")
      .executeTakeFirst();
  }

  listChat(idInstance: number, chatId: string, count: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .where("status", "!=", "queued")
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(count)
      .execute();
  }

  listSince(idInstance: number, direction: "incoming" | "outgoing", since: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("direction", "=", direction)
      .where("status", "!=", "queued")
      .where("created_at", ">=", since)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(JOURNAL_ANSWER_LIMIT)
      .execute();
  }

  listQueued(idInstance: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("status", "=", "queued")
      .orderBy("created_at")
      .orderBy("id")
      .limit(QUEUE_ANSWER_LIMIT)
      .execute();
  }

  async countQueued(idInstance: number): Promise<number> {
    const row = await this.db
      .selectFrom("message")
      .select((eb) => eb.fn.countAll().as("count"))
      .where("id_instance", "=", idInstance)
      .where("status", "=", "queued")
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async clearQueue(idInstance: number): Promise<void> {
    await this.db.deleteFrom("message").where("id_instance", "=", idInstance).where("status", "=", "queued").execute();
  }

  async deleteQueuedOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("message").where("status", "=", "queued").where("created_at", "<", cutoff).execute();
  }

  /** Distinct chats of an instance, most recent first. */
  async listChats(idInstance: number, count: number): Promise<Array<{ chatId: string; last: number }>> {
    const rows = await this.db
      .selectFrom("message")
      .select(["chat_id", (eb) => eb.fn.max("created_at").as("last")])
      .where("id_instance", "=", idInstance)
      .where("status", "!=", "queued")
      .groupBy("chat_id")
      .orderBy("last", "desc")
      .limit(count)
      .execute();
    return rows.map((row) => ({ chatId: row.chat_id, last: Number(row.last) }));
  }

  /** Marks unread incoming messages of a chat read, in one statement; returns their ids. */
  async markIncomingRead(idInstance: number, chatId: string, idMessage?: string): Promise<string[]> {
    let query = this.db
      .updateTable("message")
      .set({ is_read: 1 })
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .where("direction", "=", "incoming")
      .where("is_read", "=", 0);
    if (idMessage) query = query.where("id_message", "=", idMessage);
    return (await query.returning("id_message").execute()).map((row) => row.id_message);
  }
}

export function parseContent(row: MessageRow): MessageContent {
  try {
    return JSON.parse(row.content) as MessageContent;
  } catch {
    return { journal: {}, messageData: { typeMessage: row.type_message } };
  }
}

/** A journal entry exactly as getChatHistory, getMessage and last*Messages answer it. */
export function journalEntry(row: MessageRow): Record<string, unknown> {
  const content = parseContent(row);
  const common = {
    type: row.direction,
    idMessage: row.id_message,
    timestamp: Math.floor(row.created_at / 1000),
    typeMessage: row.type_message,
    chatId: row.chat_id,
    ...content.journal,
  };
  const flags = { deletedMessageId: "", editedMessageId: "", isEdited: false, isDeleted: false };
  if (row.direction === "outgoing") {
    return { ...common, statusMessage: row.status, sendByApi: row.send_by_api === 1, ...flags };
  }
  return {
    ...common,
    senderId: row.sender_id,
    senderName: content.senderName ?? "",
    senderContactName: "",
    ...flags,
  };
}
