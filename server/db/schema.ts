/**
 * Tables as both dialects store them: times are epoch milliseconds (bigint),
 * booleans are 0/1 integers; repositories convert at their edge.
 */
export interface UserTable {
  id: string;
  email: string;
  /** Null while the person is signed in with a temporary password and has not yet set a new one. */
  password_hash: string | null;
  country: string;
  language: string;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  token_hash: string;
  user_id: string;
  is_persistent: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** Set when the session began with a temporary password: only a password change is allowed. */
  temporary_password_id: string | null;
  ip: string;
  user_agent: string;
}

export interface TemporaryPasswordTable {
  id: string;
  user_id: string;
  password_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface RateLimitTable {
  bucket: string;
  hits: number;
  window_started_at: number;
}

export interface AuditEventTable {
  id: string;
  occurred_at: number;
  event: string;
  user_id: string | null;
  email: string | null;
  ip: string;
  user_agent: string;
}

/** Mails waiting to be sent; payloads never hold a secret (it is made when the mail is sent). */
export interface MailJobTable {
  id: string;
  kind: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
}

export interface Database {
  user: UserTable;
  session: SessionTable;
  temporary_password: TemporaryPasswordTable;
  rate_limit: RateLimitTable;
  audit_event: AuditEventTable;
  mail_job: MailJobTable;
}
