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
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** Who did it and from where. Never a password, temporary password or token. */
export interface RequestOrigin {
  ip: string;
  userAgent: string;
}

export interface AuditEntry {
  event: AuditEvent;
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
      })
      .execute();
  }

  listForUser(userId: string) {
    return this.db
      .selectFrom("audit_event")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("occurred_at")
      .execute();
  }
}
