import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { createId } from "../../security/tokens.js";

export const AUDIT_EVENTS = [
  "registered",
  "login_succeeded",
  "login_failed",
  "login_throttled",
  "temporary_password_requested",
  "temporary_password_used",
  "password_changed",
  "logout",
  "current_password_failed",
  "session_ended",
  "other_sessions_ended",
  "account_deleted",
  "account_disabled",
  "account_enabled",
  "login_refused_disabled",
  "instance_created",
  "instance_deleted",
  "token_revealed",
  "token_rotated",
  "webhook_secret_revealed",
  "webhook_secret_rotated",
  "partner_token_revealed",
  "partner_token_rotated",
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** Who did it and from where. Never a password, temporary password or token. */
export interface RequestOrigin {
  ip: string;
  userAgent: string;
}

/** What the audit records as the origin of the operator's admin commands. */
export const OPERATOR_ORIGIN: RequestOrigin = { ip: "operator", userAgent: "switchboard admin" };

export interface AuditEntry {
  event: AuditEvent;
  /** What the event was about beyond the account, such as an idInstance. Never a secret. */
  subject?: string | null;
  userId?: string | null;
  email?: string | null;
  origin: RequestOrigin;
  occurredAt: number;
}

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto("audit_event")
      .values({
        id: createId(),
        occurred_at: entry.occurredAt,
        event: entry.event,
        user_id: entry.userId ?? null,
        email: entry.email ?? null,
        ip: entry.origin.ip.slice(0, 64),
        user_agent: entry.origin.userAgent.slice(0, 512),
        subject: entry.subject ?? null,
      })
      .execute();
  }

  /** An event about an instance, its idInstance as the subject. */
  async recordInstanceEvent(
    event: AuditEvent,
    instance: { userId: string; idInstance: number },
    origin: RequestOrigin,
    occurredAt: number,
  ): Promise<void> {
    await this.record({ event, origin, userId: instance.userId, subject: String(instance.idInstance), occurredAt });
  }

  async deleteOlderThan(cutoff: number): Promise<void> {
    await this.db.deleteFrom("audit_event").where("occurred_at", "<", cutoff).execute();
  }

  listForUser(userId: string) {
    return this.db.selectFrom("audit_event").selectAll().where("user_id", "=", userId).orderBy("occurred_at").execute();
  }
}
