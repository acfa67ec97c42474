import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema.js";

export interface HeldLease {
  idInstance: number;
  epoch: number;
}

/** The instance_lease table: which node holds which instance, until when, with which epoch. */
export class LeasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Extends every lease this node still holds; answers them (a lease that expired meanwhile is not renewed). */
  async renew(node: string, now: number, expiresAt: number): Promise<HeldLease[]> {
    const rows = await this.db
      .updateTable("instance_lease")
      .set({ expires_at: expiresAt })
      .where("owner_node", "=", node)
      .where("expires_at", ">", now)
      .returning(["id_instance", "epoch"])
      .execute();
    return rows.map(toLease);
  }

  /**
   * Takes up to `limit` instances that no node holds: new ones, and those whose lease expired
   * (its node died or stopped). A taken-over lease gets the next epoch, which fences the old holder.
   */
  async claimFree(node: string, now: number, expiresAt: number, limit: number): Promise<HeldLease[]> {
    // Each statement on its own: an instance deleted mid-statement fails only the new ones' claim
    // (a foreign key), not the takeover of expired ones; the next tick tries again.
    const fresh = await this.claimUnheld(node, expiresAt, limit).catch(() => []);
    const expired = await this.takeOverExpired(node, now, expiresAt, limit);
    return [...fresh, ...expired];
  }

  private async claimUnheld(node: string, expiresAt: number, limit: number): Promise<HeldLease[]> {
    const rows = await this.db
      .insertInto("instance_lease")
      .columns(["id_instance", "owner_node", "epoch", "expires_at"])
      .expression((eb) =>
        eb
          .selectFrom("instance")
          .select([
            "instance.id_instance",
            sql<string>`cast(${node} as varchar(100))`.as("owner_node"),
            sql<number>`cast(1 as bigint)`.as("epoch"),
            sql<number>`cast(${expiresAt} as bigint)`.as("expires_at"),
          ])
          .where((inner) =>
            inner.not(
              inner.exists(
                inner
                  .selectFrom("instance_lease")
                  .select("instance_lease.id_instance")
                  .whereRef("instance_lease.id_instance", "=", "instance.id_instance"),
              ),
            ),
          )
          .orderBy("instance.id_instance")
          .limit(limit),
      )
      .onConflict((conflict) => conflict.column("id_instance").doNothing())
      .returning(["id_instance", "epoch"])
      .execute();
    return rows.map(toLease);
  }

  private async takeOverExpired(node: string, now: number, expiresAt: number, limit: number): Promise<HeldLease[]> {
    const rows = await this.db
      .updateTable("instance_lease")
      .set({ owner_node: node, epoch: sql<number>`epoch + 1`, expires_at: expiresAt })
      .where("expires_at", "<=", now)
      .where("id_instance", "in", (eb) =>
        eb
          .selectFrom("instance_lease as expired")
          .select("expired.id_instance")
          .where("expired.expires_at", "<=", now)
          .orderBy("expired.id_instance")
          .limit(limit),
      )
      .returning(["id_instance", "epoch"])
      .execute();
    return rows.map(toLease);
  }

  /** Lets the leases go at once (a clean shutdown), so that another node takes them over without waiting. */
  async release(node: string): Promise<void> {
    await this.db.updateTable("instance_lease").set({ expires_at: 0 }).where("owner_node", "=", node).execute();
  }
}

function toLease(row: { id_instance: number; epoch: number }): HeldLease {
  return { idInstance: Number(row.id_instance), epoch: Number(row.epoch) };
}
