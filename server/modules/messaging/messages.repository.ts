import { PostgresAdapter, type Kysely, type Selectable } from "kysely";
import type { Database, MessageTable } from "../../db/schema.js";
import { createSortableId } from "../../security/tokens.js";
import type { MessageFile } from "../../connectors/connector.js";
import type { StoredMessage } from "./instance.js";
import type { Fence } from "./instance-leases.js";

type MessageRow = Selectable<MessageTable>;

/** Stored content of a message: its journal fields and its notification messageData. */
interface MessageContent {
  journal: Record<string, unknown>;
  messageData: Record<string, unknown>;
  senderName?: string;
  file?: MessageFile;
}

/** SQLite caps bound variables per statement; 16 columns × 500 rows stays far below. */
const INSERT_CHUNK = 500;
/** At most this many entries in one answer of lastIncomingMessages / lastOutgoingMessages. */
const JOURNAL_ANSWER_LIMIT = 10_000;
/** showMessagesQueue answers the first this many queued messages. */
const QUEUE_ANSWER_LIMIT = 1_000;

function parseContent(row: MessageRow): MessageContent {
  try {
    return JSON.parse(row.content) as MessageContent;
  } catch {
    return { journal: {}, messageData: { typeMessage: row.type_message } };
  }
}

function parseRequest(row: MessageRow): unknown {
  try {
    return row.request ? (JSON.parse(row.request) as unknown) : {};
  } catch {
    return {};
  }
}

function toStoredMessage(row: MessageRow): StoredMessage {
  const content = parseContent(row);
  return {
    idMessage: row.id_message,
    direction: row.direction,
    chatId: row.chat_id,
    senderId: row.sender_id,
    senderName: content.senderName ?? "",
    typeMessage: row.type_message,
    journal: content.journal,
    messageData: content.messageData,
    status: row.status,
    sendByApi: row.send_by_api === 1,
    sendMethod: row.send_method,
    request: parseRequest(row),
    createdAt: Number(row.created_at),
    ...(content.file ? { file: content.file } : {}),
  };
}

/** The row of a message, written once: status and read mark change through the methods below. */
function toRow(idInstance: number, message: StoredMessage): MessageRow {
  return {
    id: createSortableId(message.createdAt),
    id_instance: idInstance,
    id_message: message.idMessage,
    direction: message.direction,
    chat_id: message.chatId,
    sender_id: message.senderId,
    type_message: message.typeMessage,
    content: JSON.stringify({
      journal: message.journal,
      messageData: message.messageData,
      senderName: message.senderName,
      ...(message.file ? { file: message.file } : {}),
    }),
    send_method: message.sendMethod,
    request: message.sendMethod === null ? null : JSON.stringify(message.request),
    status: message.status,
    send_by_api: message.sendByApi ? 1 : 0,
    is_read: 0,
    created_at: message.createdAt,
    sent_at: null,
  };
}

/** A queued message ready to send: its row id (the claim key) and what it is. */
export interface QueuedMessage {
  rowId: string;
  message: StoredMessage;
}

/** The message table: the send queue (status "queued") and the journal of every chat. */
export class MessagesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(messages: Array<{ idInstance: number; message: StoredMessage }>): Promise<void> {
    if (messages.length === 0) return;
    const rows = messages.map(({ idInstance, message }) => toRow(idInstance, message));
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
  async insertOnce(idInstance: number, message: StoredMessage): Promise<boolean> {
    const result = await this.db
      .insertInto("message")
      .values(toRow(idInstance, message))
      .onConflict((conflict) => conflict.columns(["id_instance", "id_message", "direction"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Messages handed to the network before `before` whose outcome was never recorded. */
  async listStalePending(before: number, limit: number): Promise<Array<{ idInstance: number; idMessage: string }>> {
    const rows = await this.db
      .selectFrom("message")
      .select(["id_instance", "id_message"])
      .where("status", "=", "pending")
      .where("sent_at", "<", before)
      .orderBy("sent_at")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ idInstance: Number(row.id_instance), idMessage: row.id_message }));
  }

  /**
   * Sets the "may have queued" mark again where a queued message exists without it: a send
   * stored while the send loop cleared the mark of an empty queue (PostgreSQL lets the two
   * cross) would otherwise wait for the instance's next message.
   */
  async restoreQueuedMarks(): Promise<number> {
    const result = await this.db
      .updateTable("instance")
      .set({ has_queued: 1 })
      .where("has_queued", "=", 0)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("message")
            .select("message.id")
            .where("message.status", "=", "queued")
            .whereRef("message.id_instance", "=", "instance.id_instance"),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** An instance's messages handed to the network whose outcome was never recorded. */
  async listPendingOf(idInstance: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("message")
      .select("id_message")
      .where("id_instance", "=", idInstance)
      .where("status", "=", "pending")
      .where("direction", "=", "outgoing")
      .execute();
    return rows.map((row) => row.id_message);
  }

  /** Puts a send that never reached the network back at its place in the queue. */
  async requeue(idInstance: number, idMessage: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("message")
        .set({ status: "queued", sent_at: null })
        .where("id_instance", "=", idInstance)
        .where("id_message", "=", idMessage)
        .where("direction", "=", "outgoing")
        .where("status", "=", "pending")
        .execute();
      await trx.updateTable("instance").set({ has_queued: 1 }).where("id_instance", "=", idInstance).execute();
    });
  }

  /** Authorized instances that may have queued messages and whose spacing has elapsed (held by this node). */
  async listInstancesDueToSend(now: number, limit: number, heldBy?: string): Promise<number[]> {
    let query = this.db
      .selectFrom("instance")
      .select("instance.id_instance")
      .where("instance.state", "=", "authorized")
      .where("instance.has_queued", "=", 1)
      .where("instance.next_send_at", "<=", now);
    // With several nodes, each sends only for the instances it holds.
    if (heldBy !== undefined) {
      query = query
        .innerJoin("instance_lease", "instance_lease.id_instance", "instance.id_instance")
        .where("instance_lease.owner_node", "=", heldBy)
        .where("instance_lease.expires_at", ">", now);
    }
    const rows = await query.limit(limit).execute();
    return rows.map((row) => Number(row.id_instance));
  }

  /** The head of an instance's send queue. */
  async oldestQueued(idInstance: number): Promise<QueuedMessage | undefined> {
    const row = await this.db
      .selectFrom("message")
      .selectAll()
      .where("status", "=", "queued")
      .where("id_instance", "=", idInstance)
      .orderBy("created_at")
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    return row ? { rowId: row.id, message: toStoredMessage(row) } : undefined;
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

  /** Sets an outgoing message's status if it is now one of `from`; answers its chat when it did. */
  async advanceOutgoingStatus(
    idInstance: number,
    idMessage: string,
    status: string,
    from: string[],
  ): Promise<{ chatId: string; sendByApi: boolean } | undefined> {
    const row = await this.db
      .updateTable("message")
      .set({ status })
      .where("id_instance", "=", idInstance)
      .where("id_message", "=", idMessage)
      .where("direction", "=", "outgoing")
      .where("status", "in", from)
      .returning(["chat_id", "send_by_api"])
      .executeTakeFirst();
    return row ? { chatId: row.chat_id, sendByApi: row.send_by_api === 1 } : undefined;
  }

  /** Takes a queued message out of the queue to send it; false if it was cleared or taken meanwhile. */
  async claimForSending(id: string, now: number, fence?: Fence): Promise<boolean> {
    let query = this.db.updateTable("message").set({ status: "pending", sent_at: now }).where("id", "=", id).where("status", "=", "queued");
    // The lease is checked again in the same statement: a node that lost it meanwhile sends nothing.
    if (fence) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom("instance_lease")
            .select("instance_lease.id_instance")
            .whereRef("instance_lease.id_instance", "=", "message.id_instance")
            .where("instance_lease.owner_node", "=", fence.node)
            .where("instance_lease.epoch", "=", fence.epoch)
            .where("instance_lease.expires_at", ">", now),
        ),
      );
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async find(idInstance: number, chatId: string, idMessage: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .where("id_message", "=", idMessage)
      .where("status", "!=", "queued")
      .executeTakeFirst();
    return row ? toStoredMessage(row) : undefined;
  }

  async listChat(idInstance: number, chatId: string, count: number): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .where("status", "!=", "queued")
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(count)
      .execute();
    return rows.map(toStoredMessage);
  }

  async listSince(idInstance: number, direction: "incoming" | "outgoing", since: number): Promise<StoredMessage[]> {
    const rows = await this.db
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
    return rows.map(toStoredMessage);
  }

  async listQueued(idInstance: number): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom("message")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("status", "=", "queued")
      .orderBy("created_at")
      .orderBy("id")
      .limit(QUEUE_ANSWER_LIMIT)
      .execute();
    return rows.map(toStoredMessage);
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

  /**
   * Rewrites a journaled message's content (an edit, a deletion): `change` gets its journal and
   * notification fields and answers the new ones. False when the journal has no such message.
   */
  async changeContent(
    idInstance: number,
    chatId: string,
    idMessage: string,
    direction: "incoming" | "outgoing",
    change: (content: Pick<MessageContent, "journal" | "messageData">) => Pick<MessageContent, "journal" | "messageData">,
  ): Promise<boolean> {
    // Read and written in one transaction, the row locked on PostgreSQL: an edit and a deletion
    // at the same moment both land, one after the other (SQLite runs transactions one at a time).
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom("message")
        .selectAll()
        .where("id_instance", "=", idInstance)
        .where("chat_id", "=", chatId)
        .where("id_message", "=", idMessage)
        .where("direction", "=", direction)
        .where("status", "!=", "queued");
      if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return false;
      const content = parseContent(row);
      const changed = { ...content, ...change(content) };
      await trx
        .updateTable("message")
        .set({ content: JSON.stringify(changed) })
        .where("id", "=", row.id)
        .execute();
      return true;
    });
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
