import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

export interface WindowCount {
  hits: number;
  /** Milliseconds until the current window ends. */
  resetsInMs: number;
}

/**
 * Fixed-window counters kept in the database, so that every Switchboard node
 * sees the same counts. Each hit is one atomic upsert: concurrent requests
 * cannot both see the same count.
 */
export class RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async hit(bucket: string, windowMs: number, now: number): Promise<WindowCount> {
    const windowHasEnded = sql<boolean>`rate_limit.window_started_at <= ${sql.val(now - windowMs)}`;
    const row = await this.db
      .insertInto("rate_limit")
      .values({ bucket, hits: 1, window_started_at: now })
      .onConflict((conflict) =>
        conflict.column("bucket").doUpdateSet({
          hits: sql<number>`case when ${windowHasEnded} then 1 else rate_limit.hits + 1 end`,
          window_started_at: sql<number>`case when ${windowHasEnded} then cast(${now} as bigint) else rate_limit.window_started_at end`,
        }),
      )
      .returning(["hits", "window_started_at"])
      .executeTakeFirstOrThrow();
    return { hits: row.hits, resetsInMs: Math.max(0, Number(row.window_started_at) + windowMs - now) };
  }

  /** The hits of the current window, without counting one. */
  async peek(bucket: string, windowMs: number, now: number): Promise<number> {
    const row = await this.db
      .selectFrom("rate_limit")
      .select(["hits", "window_started_at"])
      .where("bucket", "=", bucket)
      .executeTakeFirst();
    return row && Number(row.window_started_at) > now - windowMs ? row.hits : 0;
  }

  /** Gives one hit back, for an attempt that turned out to be legitimate. */
  async giveBack(bucket: string): Promise<void> {
    await this.db
      .updateTable("rate_limit")
      .set({ hits: sql<number>`case when hits > 0 then hits - 1 else 0 end` })
      .where("bucket", "=", bucket)
      .execute();
  }

  async clear(bucket: string): Promise<void> {
    await this.db.deleteFrom("rate_limit").where("bucket", "=", bucket).execute();
  }

  async deleteOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("rate_limit").where("window_started_at", "<", cutoff).execute();
  }
}
