import type { Kysely, Selectable } from "kysely";
import type { Database, TemporaryPasswordTable, UserTable } from "../../db/schema.js";

export type UserRow = Selectable<UserTable>;
export type TemporaryPasswordRow = Selectable<TemporaryPasswordTable>;

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string;
  country: string;
  language: string;
  now: number;
}

export class EmailTakenError extends Error {}

export class AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createUser(user: NewUser): Promise<UserRow> {
    const row: UserRow = {
      id: user.id,
      email: user.email,
      password_hash: user.passwordHash,
      country: user.country,
      language: user.language,
      disabled_at: null,
      created_at: user.now,
      updated_at: user.now,
    };
    try {
      await this.db.insertInto("user").values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
    return row;
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("user").selectAll().where("email", "=", email).executeTakeFirst();
  }

  findUserById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("user").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async setPasswordHash(userId: string, passwordHash: string | null, now: number): Promise<void> {
    await this.db.updateTable("user").set({ password_hash: passwordHash, updated_at: now }).where("id", "=", userId).execute();
  }

  async setDisabledAt(userId: string, disabledAt: number | null, now: number): Promise<void> {
    await this.db.updateTable("user").set({ disabled_at: disabledAt, updated_at: now }).where("id", "=", userId).execute();
  }

  /**
   * Deletes the account; its sessions and temporary passwords go with it (foreign keys
   * cascade). False when it was already gone, so that a repeated deletion is harmless.
   */
  async deleteUser(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom("user").where("id", "=", userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every account with its number of sessions and instances, oldest first (the operator's list). */
  listUsersWithCounts() {
    return this.db
      .selectFrom("user")
      .select((eb) => [
        "user.email",
        "user.created_at",
        "user.disabled_at",
        eb
          .selectFrom("session")
          .select((inner) => inner.fn.countAll<number>().as("n"))
          .whereRef("session.user_id", "=", "user.id")
          .as("sessions"),
        eb
          .selectFrom("instance")
          .select((inner) => inner.fn.countAll<number>().as("n"))
          .whereRef("instance.user_id", "=", "user.id")
          .as("instances"),
      ])
      .orderBy("user.created_at")
      .execute();
  }

  async setLanguage(userId: string, language: string, now: number): Promise<void> {
    await this.db.updateTable("user").set({ language, updated_at: now }).where("id", "=", userId).execute();
  }

  /**
   * Stores a new temporary password and keeps the newest `keep` unused ones valid: a mail
   * someone else asked for does not void the one the owner is about to type.
   */
  async addTemporaryPassword(
    entry: { id: string; userId: string; passwordHash: string; now: number; expiresAt: number },
    keep: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("temporary_password")
        .values({
          id: entry.id,
          user_id: entry.userId,
          password_hash: entry.passwordHash,
          created_at: entry.now,
          expires_at: entry.expiresAt,
          used_at: null,
        })
        .execute();
      const unused = await trx
        .selectFrom("temporary_password")
        .select("id")
        .where("user_id", "=", entry.userId)
        .where("used_at", "is", null)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      const voided = unused.slice(keep).map((row) => row.id);
      if (voided.length > 0) await trx.deleteFrom("temporary_password").where("id", "in", voided).execute();
    });
  }

  /** A temporary password whose mail could not be sent: nobody has seen it. */
  async deleteTemporaryPassword(id: string): Promise<void> {
    await this.db.deleteFrom("temporary_password").where("id", "=", id).where("used_at", "is", null).execute();
  }

  /** The valid temporary passwords, newest first, at most `limit`. */
  findUsableTemporaryPasswords(userId: string, now: number, limit: number) {
    return this.db
      .selectFrom("temporary_password")
      .selectAll()
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  findTemporaryPassword(id: string) {
    return this.db.selectFrom("temporary_password").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Marks the temporary password used, voids the account's other unused ones and retires
   * the old password, in one transaction. Returns false when a concurrent login used it first.
   */
  async consumeTemporaryPassword(id: string, userId: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("temporary_password")
        .set({ used_at: now })
        .where("id", "=", id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom("temporary_password").where("user_id", "=", userId).where("used_at", "is", null).execute();
      await trx.updateTable("user").set({ password_hash: null, updated_at: now }).where("id", "=", userId).execute();
      return true;
    });
  }

  /** Old temporary passwords go, except one a session still began with: its Current password. */
  async deleteExpiredTemporaryPasswords(cutoff: number): Promise<void> {
    await this.db
      .deleteFrom("temporary_password")
      .where("expires_at", "<", cutoff)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom("session").select("session.token_hash").whereRef("session.temporary_password_id", "=", "temporary_password.id"),
          ),
        ),
      )
      .execute();
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // PostgreSQL unique_violation, SQLite constraint errors from better-sqlite3.
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
