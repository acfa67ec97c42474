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

  async extend(tokenHash: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.db
      .updateTable("session")
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where("token_hash", "=", tokenHash)
      .execute();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom("session").where("token_hash", "=", tokenHash).execute();
  }

  async deleteAllForUser(userId: string, exceptTokenHash?: string): Promise<void> {
    let query = this.db.deleteFrom("session").where("user_id", "=", userId);
    if (exceptTokenHash) query = query.where("token_hash", "!=", exceptTokenHash);
    await query.execute();
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.deleteFrom("session").where("expires_at", "<=", now).execute();
  }
}
