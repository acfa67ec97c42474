import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

/** poll_vote: each voter's current choice in the polls an instance sent. */
export class PollVotesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a voter's choice, replacing the one before; answers every voter's choice now. */
  async vote(idInstance: number, idMessage: string, voter: string, options: string[], now: number): Promise<Map<string, string[]>> {
    const encoded = JSON.stringify(options);
    await this.db
      .insertInto("poll_vote")
      .values({ id_instance: idInstance, id_message: idMessage, voter, options: encoded, voted_at: now })
      .onConflict((conflict) => conflict.columns(["id_instance", "id_message", "voter"]).doUpdateSet({ options: encoded, voted_at: now }))
      .execute();
    const rows = await this.db
      .selectFrom("poll_vote")
      .select(["voter", "options"])
      .where("id_instance", "=", idInstance)
      .where("id_message", "=", idMessage)
      .orderBy("voted_at")
      .execute();
    return new Map(rows.map((row) => [row.voter, JSON.parse(row.options) as string[]]));
  }
}
