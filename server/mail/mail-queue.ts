import type { JobRunner } from "../jobs/job-runner.js";

export type MailJobHandler = (payload: unknown, context: { attempt: number }) => Promise<void>;

/** A mail that could not be sent in a day is given up: its job goes dead, and that is logged. */
const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Mails to send, as jobs of the job runner (kinds `mail.<kind>`). A request that promises a mail
 * stores the job before it answers, so the promise survives a crash; any node may send it.
 * Payloads hold no secret: a temporary password is made when its mail is sent.
 */
export class MailQueue {
  constructor(private readonly jobs: JobRunner) {}

  registerHandler(kind: string, handler: MailJobHandler): void {
    this.jobs.register({
      kind: mailKind(kind),
      giveUpAfterMs: GIVE_UP_AFTER_MS,
      run: (payload, context) => handler(payload, { attempt: context.attempt }),
    });
  }

  /**
   * Stores a mail; `owner` names the account it is for, so that deleting the account drops it.
   * One recipient's mails go out one at a time, in the order asked for: the newest temporary
   * password is the one in the last mail.
   */
  async enqueue(kind: string, payload: unknown, owner: { userId?: string; email?: string } = {}): Promise<void> {
    const recipient = owner.email ?? owner.userId;
    await this.jobs.enqueue(mailKind(kind), payload, { ...owner, ...(recipient ? { queueKey: `mail:${recipient}` } : {}) });
  }

  /** Drops the pending jobs of an account, its mail among them (deleted with it). */
  async deleteFor(userId: string, email: string): Promise<void> {
    await this.jobs.deleteForAccount(userId, email);
  }

  /** Resolves once nothing is due or being sent; tests use it to wait for mail. */
  whenIdle(): Promise<void> {
    return this.jobs.whenIdle();
  }
}

function mailKind(kind: string): string {
  return `mail.${kind}`;
}
