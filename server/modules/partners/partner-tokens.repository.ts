import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

/** partner_token: one per account at most. */
export class PartnerTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Sets the account's token, replacing the one before (which stops matching with this write). */
  async set(userId: string, tokenHash: string, tokenSealed: string, now: number): Promise<void> {
    await this.db
      .insertInto("partner_token")
      .values({ user_id: userId, token_hash: tokenHash, token_sealed: tokenSealed, created_at: now })
      .onConflict((conflict) =>
        conflict.column("user_id").doUpdateSet({ token_hash: tokenHash, token_sealed: tokenSealed, created_at: now }),
      )
      .execute();
  }

  /** Sets the account's first token; false when it has one already. */
  async insertIfNone(userId: string, tokenHash: string, tokenSealed: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto("partner_token")
      .values({ user_id: userId, token_hash: tokenHash, token_sealed: tokenSealed, created_at: now })
      .onConflict((conflict) => conflict.column("user_id").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findSealed(userId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom("partner_token").select("token_sealed").where("user_id", "=", userId).executeTakeFirst();
    return row?.token_sealed;
  }

  /** The account a token hash belongs to, unless an operator disabled it. */
  async findActiveUser(tokenHash: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("partner_token")
      .innerJoin("user", "user.id", "partner_token.user_id")
      .select("partner_token.user_id")
      .where("partner_token.token_hash", "=", tokenHash)
      .where("user.disabled_at", "is", null)
      .executeTakeFirst();
    return row?.user_id;
  }
}
