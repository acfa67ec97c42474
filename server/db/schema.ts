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
  /** Set while an operator has disabled the account. */
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  /** The public id the sessions list shows; the token's hash is never shown. */
  id: string;
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
  /** "sha256:" and the hex digest; rows stored before that hold an argon2id hash. */
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
  /** What the event was about beyond the account (an idInstance…), or null. */
  subject: string | null;
}

/** pending: waiting for run_at; running: leased to a runner; dead: given up, kept until requeued or deleted. */
export type JobState = "pending" | "running" | "dead";

/** Background jobs of every kind (server/jobs); a finished job is deleted. */
export interface JobTable {
  /** Sortable: a serial queue runs its jobs in this order. */
  id: string;
  kind: string;
  /** Jobs with one key run one at a time, oldest first; null runs in parallel. */
  queue_key: string | null;
  /** JSON; never a secret (a mail's temporary password is made when it is sent). */
  payload: string;
  state: JobState;
  /** Failed attempts so far: 0 while the first attempt is due. */
  attempts: number;
  /** Dead after this many failed attempts, or after give_up_at; null: no such limit. */
  max_attempts: number | null;
  give_up_at: number | null;
  /** The next attempt, not before. */
  run_at: number;
  /** The runner holding a running job, until lease_until; after that another runner may take it. */
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  /** Whose job it is, when known, so that deleting the account drops it. */
  user_id: string | null;
  email: string | null;
  created_at: number;
  updated_at: number;
}

export interface InstanceTable {
  id_instance: number;
  user_id: string;
  name: string;
  state: string;
  /** The linked phone's chat id, "" when not linked. */
  wid: string;
  token_hash: string;
  /** The token encrypted with the server's key: the console shows it again. */
  token_sealed: string;
  /** JSON of WritableSettings. */
  settings: string;
  last_receipt_id: number;
  /** The connector it talks through (sandbox…). */
  connector: string;
  /** While "starting": when the instance returns to its settled state. */
  state_settles_at: number | null;
  /** The send queue's spacing: the earliest time of the next send. */
  next_send_at: number;
  /** 1 while the send queue may hold messages: set with each queued message, cleared when found empty. */
  has_queued: number;
  /** 1 while an operator has disabled the owner's account: the API answers 403. */
  owner_disabled: number;
  /** 1 while the settings hold a webhookUrl: notifications are pushed there. */
  webhook_enabled: number;
  created_at: number;
  updated_at: number;
}

export interface InstanceStateEventTable {
  id: string;
  id_instance: number;
  state: string;
  phone: string;
  occurred_at: number;
}

export interface MessageTable {
  id: string;
  id_instance: number;
  id_message: string;
  direction: "incoming" | "outgoing";
  chat_id: string;
  sender_id: string;
  type_message: string;
  /** JSON: the type's fields as the journal shows them (textMessage, location, contact…). */
  content: string;
  /** The API method that queued it (sendMessage…), for showMessagesQueue. */
  send_method: string | null;
  /** JSON of the request's fields, for showMessagesQueue. */
  request: string | null;
  /** queued | sent | delivered | read | noAccount | failed, or "" for incoming. */
  status: string;
  send_by_api: number;
  is_read: number;
  created_at: number;
  sent_at: number | null;
}

export interface NotificationTable {
  id_instance: number;
  receipt_id: number;
  body: string;
  created_at: number;
  /** The webhook-id header of its pushes: "" for notifications stored before webhooks (derived then). */
  webhook_id: string;
}

export interface WebhookDeliveryTable {
  id_instance: number;
  /** whsec_… sealed with the server's key. */
  secret_sealed: string;
  /** After a rotation both secrets sign, until previous_secret_until. */
  previous_secret_sealed: string | null;
  previous_secret_until: number | null;
  /** Set by a 410 Gone: nothing is pushed until the person resumes. */
  paused_at: number | null;
  paused_reason: string;
  /** The queue head the retry schedule belongs to. */
  head_receipt_id: number | null;
  head_attempts: number;
  failing_since: number | null;
  next_attempt_at: number;
  updated_at: number;
}

export interface WebhookAttemptTable {
  id: string;
  id_instance: number;
  receipt_id: number;
  webhook_id: string;
  type_webhook: string;
  attempted_at: number;
  /** delivered | failed | gone | refused | expired */
  outcome: string;
  status_code: number | null;
  latency_ms: number;
  error: string;
}

/** A file kept in the database: present once all its chunks are. */
export interface MediaBlobTable {
  key: string;
  size: number;
  sha256: string;
  created_at: number;
}

/** A file's bytes, 256 KiB a row, in order of seq. */
export interface MediaChunkTable {
  key: string;
  seq: number;
  data: Buffer;
}

/** A file of the API or a sandbox phone; its bytes are the blob `blob_key` of the media store. */
export interface MediaFileTable {
  /** Public: appears, signed, in the file's link. */
  id: string;
  blob_key: string;
  /** The account whose storage quota it counts against. */
  user_id: string;
  /** The instance it belongs to; null for a sandbox phone's file. */
  id_instance: number | null;
  file_name: string;
  mime_type: string;
  size: number;
  sha256: string;
  /** uploading | ready */
  state: string;
  /** 1 for a copy of a file someone sent: not charged to the quota. */
  received: number;
  created_at: number;
  expires_at: number;
}

/** What an instance's owner set for one chat (archive, disappearing messages, address book). */
export interface ChatSettingTable {
  id_instance: number;
  chat_id: string;
  is_archived: number;
  /** Seconds: 0 (off), 86400, 604800 or 7776000. */
  ephemeral_expiration: number;
  ephemeral_set_at: number;
  /** Null while the chat is not in the address book. */
  contact_first_name: string | null;
  contact_last_name: string;
}

/** An account's partner token: its SHA-256, and sealed to show it again. */
export interface PartnerTokenTable {
  user_id: string;
  token_hash: string;
  token_sealed: string;
  created_at: number;
}

/** A voter's current choice in a poll an instance sent. */
export interface PollVoteTable {
  id_instance: number;
  id_message: string;
  voter: string;
  /** JSON array of option names. */
  options: string;
  voted_at: number;
}

export interface WebhookDeadLetterTable {
  id_instance: number;
  receipt_id: number;
  webhook_id: string;
  body: string;
  created_at: number;
  dead_at: number;
  reason: string;
}

export interface SandboxPhoneTable {
  number: string;
  /** The account that opened the phone: only it sees and uses the phone's screen. */
  user_id: string;
  created_at: number;
}

export interface SandboxMessageTable {
  id: string;
  phone_number: string;
  peer_number: string;
  id_message: string;
  from_me: number;
  type_message: string;
  text: string;
  status: string | null;
  is_read: number;
  created_at: number;
  /** JSON { url, fileName, mimeType, size } of a file message; null otherwise. */
  file: string | null;
  is_edited: number;
  is_deleted: number;
  /** JSON { options: string[], multipleAnswers } of a poll received; null otherwise. */
  poll: string | null;
  /** JSON string[]: this phone's vote in that poll; null before it voted. */
  my_vote: string | null;
}

/** A sandbox instance's QR link code and pairing code, while one is shown. */
export interface SandboxLinkCodeTable {
  id_instance: number;
  link_code: string | null;
  link_code_expires_at: number | null;
  pairing_code: string | null;
  pairing_phone: string | null;
  pairing_code_expires_at: number | null;
}

/** The node that holds an instance's live connection and send loop, and the fencing epoch. */
export interface InstanceLeaseTable {
  id_instance: number;
  owner_node: string;
  epoch: number;
  expires_at: number;
}

export interface Database {
  user: UserTable;
  session: SessionTable;
  temporary_password: TemporaryPasswordTable;
  rate_limit: RateLimitTable;
  audit_event: AuditEventTable;
  job: JobTable;
  instance: InstanceTable;
  instance_state_event: InstanceStateEventTable;
  message: MessageTable;
  notification: NotificationTable;
  sandbox_phone: SandboxPhoneTable;
  sandbox_message: SandboxMessageTable;
  sandbox_link_code: SandboxLinkCodeTable;
  instance_lease: InstanceLeaseTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_attempt: WebhookAttemptTable;
  webhook_dead_letter: WebhookDeadLetterTable;
  media_blob: MediaBlobTable;
  media_chunk: MediaChunkTable;
  media_file: MediaFileTable;
  chat_setting: ChatSettingTable;
  poll_vote: PollVoteTable;
  partner_token: PartnerTokenTable;
}
