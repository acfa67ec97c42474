import type { Clock } from "../../clock.js";
import { OPERATOR_ORIGIN, type AuditRepository } from "../audit/audit.repository.js";
import type { AccountsRepository, UserRow } from "./accounts.repository.js";
import type { SessionsService } from "./sessions.service.js";

export class UnknownAccountError extends Error {
  constructor(email: string) {
    super(`No account has the email ${email}.`);
    this.name = "UnknownAccountError";
  }
}

export interface AccountListing {
  email: string;
  createdAt: string;
  isDisabled: boolean;
  sessions: number;
  instances: number;
}

/**
 * What the people who run the server do to accounts from the command line: list them,
 * end their sessions, disable and enable them. Every change is audited as the operator's.
 */
export class AccountAdministration {
  constructor(
    private readonly deps: {
      accounts: AccountsRepository;
      sessions: SessionsService;
      audit: AuditRepository;
      clock: Clock;
      /** Marks the account's instances so that the API answers 403 for them while it is disabled. */
      setInstancesDisabled: (userId: string, isDisabled: boolean) => Promise<void>;
    },
  ) {}

  async list(): Promise<AccountListing[]> {
    const rows = await this.deps.accounts.listUsersWithCounts();
    return rows.map((row) => ({
      email: row.email,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      isDisabled: row.disabled_at !== null,
      sessions: Number(row.sessions ?? 0),
      instances: Number(row.instances ?? 0),
    }));
  }

  /** Ends every session of the account; answers how many ended. */
  async endSessions(email: string): Promise<number> {
    const user = await this.get(email);
    const ended = await this.deps.sessions.endAllOthers(user.id);
    await this.record("other_sessions_ended", user, String(ended));
    return ended;
  }

  /** The account cannot sign in, its sessions end and its instances answer 403. */
  async disable(email: string): Promise<void> {
    const user = await this.get(email);
    const now = this.deps.clock.now();
    await this.deps.accounts.setDisabledAt(user.id, user.disabled_at ?? now, now);
    await this.deps.setInstancesDisabled(user.id, true);
    await this.deps.sessions.endAllOthers(user.id);
    await this.record("account_disabled", user);
  }

  async enable(email: string): Promise<void> {
    const user = await this.get(email);
    await this.deps.accounts.setDisabledAt(user.id, null, this.deps.clock.now());
    await this.deps.setInstancesDisabled(user.id, false);
    await this.record("account_enabled", user);
  }

  private async get(email: string): Promise<UserRow> {
    const user = await this.deps.accounts.findUserByEmail(email.trim().toLowerCase());
    if (!user) throw new UnknownAccountError(email);
    return user;
  }

  private async record(event: "other_sessions_ended" | "account_disabled" | "account_enabled", user: UserRow, subject?: string) {
    await this.deps.audit.record({
      event,
      origin: OPERATOR_ORIGIN,
      userId: user.id,
      email: user.email,
      subject: subject ?? null,
      occurredAt: this.deps.clock.now(),
    });
  }
}
