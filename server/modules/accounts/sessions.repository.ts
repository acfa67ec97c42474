import type { Kysely, Selectable } from "kysely";
import type { Database, SessionTable } from "../../db/schema.js";

export type SessionRow = Selectable<SessionTable>;

export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: SessionRow): Promise<void> {
    await this.db.insertInto("session").values(row).execute();
  }

  findByTokenHash(tokenHash: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom("session").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
  }

  listForUser(userId: string): Promise<SessionRow[]> {
    return this.db.selectFrom("session").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").execute();
  }

  async touch(tokenHash: string, lastSeenAt: number): Promise<void> {
    await this.db.updateTable("session").set({ last_seen_at: lastSeenAt }).where("token_hash", "=", tokenHash).execute();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom("session").where("token_hash", "=", tokenHash).execute();
  }

  /** Ends one of the person's sessions by its public id; false when they have none by that id. */
  async deleteById(userId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("session").where("user_id", "=", userId).where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Ends every session of the person but the one kept; answers how many ended. */
  async deleteAllForUser(userId: string, exceptTokenHash?: string): Promise<number> {
    let query = this.db.deleteFrom("session").where("user_id", "=", userId);
    if (exceptTokenHash) query = query.where("token_hash", "!=", exceptTokenHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number, idleCutoff: number): Promise<void> {
    await this.db
      .deleteFrom("session")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb.and([eb("is_persistent", "=", 0), eb("last_seen_at", "<=", idleCutoff)])]))
      .execute();
  }
}
