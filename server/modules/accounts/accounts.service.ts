import type { z } from "zod";
import type {
  AccountSession,
  AccountView,
  loginRequestSchema,
  passwordChangeRequestSchema,
  registrationRequestSchema,
} from "../../../shared/accounts.schemas.js";
import { isLanguage, DEFAULT_LANGUAGE, type Language } from "../../../shared/languages.js";
import { isBuiltFromContext } from "../../../shared/password-context.js";
import type { Clock } from "../../clock.js";
import { AppError, fieldError } from "../../errors.js";
import type { MailQueue } from "../../mail/mail-queue.js";
import type { Mailer } from "../../mail/mailer.js";
import { passwordChangedMail, temporaryPasswordMail } from "../../mail/templates.js";
import { hashPassword, isCommonPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "../../security/passwords.js";
import {
  createId,
  createSortableId,
  createTemporaryPassword,
  hashTemporaryPassword,
  isSha256TemporaryPasswordHash,
  matchesTemporaryPasswordHash,
  TEMPORARY_PASSWORD_LENGTH,
} from "../../security/tokens.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import { addressKey, bucketName } from "../rate-limit/buckets.js";
import type { RateLimitRepository, WindowCount } from "../rate-limit/rate-limit.repository.js";
import { ACCOUNT_POLICY } from "./accounts.policy.js";
import { EmailTakenError, type AccountsRepository, type TemporaryPasswordRow, type UserRow } from "./accounts.repository.js";
import type { IssuedSession, SessionsService } from "./sessions.service.js";
import type { SessionRow } from "./sessions.repository.js";

type Registration = z.output<typeof registrationRequestSchema>;
type Login = z.output<typeof loginRequestSchema>;
type PasswordChange = z.output<typeof passwordChangeRequestSchema>;
type Rule = { limit: number; windowMs: number };

export interface SignedIn {
  account: AccountView;
  session: IssuedSession;
}

/**
 * What another module keeps of an account: deleted with the account and included in its
 * export. The instances and the sandbox register themselves, so accounts import neither.
 */
export interface AccountDataOwner {
  /** The key of this module's part of the export, such as "instances". */
  readonly exportKey: string;
  deleteAccountData(userId: string): Promise<void>;
  /** Never a secret: no token, no hash. */
  exportAccountData(userId: string): Promise<unknown>;
}

const MAIL_TEMPORARY_PASSWORD = "temporary_password";
const MAIL_PASSWORD_CHANGED = "password_changed";

interface TemporaryPasswordJob {
  email: string;
  origin: RequestOrigin;
}
interface PasswordChangedJob {
  userId: string;
  changedAt: number;
}

/**
 * A temporary password is read off a mail and typed: accept it in any case,
 * with stray spaces or dashes, and with the look-alikes O→0 and I/L→1.
 */
function canonicalTemporaryPassword(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

const TEMPORARY_PASSWORD_SHAPE = new RegExp(`^[0-9A-HJKMNP-TV-Z]{${TEMPORARY_PASSWORD_LENGTH}}$`);

/** Compared when there is no temporary password, so that the work is the same either way. */
const DUMMY_TEMPORARY_PASSWORD_HASH = hashTemporaryPassword("no temporary password");

/**
 * The one of the stored temporary passwords that the typed one matches. Each is compared
 * (SHA-256, constant time), none skipped. Rows stored before SHA-256 hold an argon2id hash:
 * they are checked only when `argon2Allowed`, and only until they expire.
 */
async function matchingTemporaryPassword(
  stored: TemporaryPasswordRow[],
  canonical: string,
  argon2Allowed: boolean,
): Promise<TemporaryPasswordRow | undefined> {
  let match: TemporaryPasswordRow | undefined;
  if (stored.length === 0) matchesTemporaryPasswordHash(DUMMY_TEMPORARY_PASSWORD_HASH, canonical);
  for (const row of stored) {
    const matches = isSha256TemporaryPasswordHash(row.password_hash)
      ? matchesTemporaryPasswordHash(row.password_hash, canonical)
      : argon2Allowed && (await verifyPassword(row.password_hash, canonical));
    if (matches) match ??= row;
  }
  return match;
}

export class AccountsService {
  private readonly dataOwners: AccountDataOwner[] = [];

  constructor(
    private readonly deps: {
      accounts: AccountsRepository;
      sessions: SessionsService;
      rateLimits: RateLimitRepository;
      audit: AuditRepository;
      mailQueue: MailQueue;
      mailer: Mailer;
      clock: Clock;
      publicUrl: string;
    },
  ) {
    deps.mailQueue.registerHandler(MAIL_TEMPORARY_PASSWORD, (payload, context) =>
      this.sendTemporaryPassword(payload as TemporaryPasswordJob, context.attempt),
    );
    deps.mailQueue.registerHandler(MAIL_PASSWORD_CHANGED, (payload) => this.sendPasswordChangedNotice(payload as PasswordChangedJob));
  }

  /** Another module's data of an account: deleted with it, exported with it. */
  registerDataOwner(owner: AccountDataOwner): void {
    this.dataOwners.push(owner);
  }

  private get loginUrl(): string {
    return `${this.deps.publicUrl}/login`;
  }

  private async audit(event: AuditEvent, origin: RequestOrigin, user?: { id?: string | null; email?: string | null }, subject?: string) {
    await this.deps.audit.record({
      event,
      origin,
      userId: user?.id ?? null,
      email: user?.email ?? null,
      subject: subject ?? null,
      occurredAt: this.deps.clock.now(),
    });
  }

  private hit(bucket: string, rule: Rule): Promise<WindowCount> {
    return this.deps.rateLimits.hit(bucket, rule.windowMs, this.deps.clock.now());
  }

  /** Counts one attempt against a window; throws too_many_attempts once the limit is passed. */
  private async spend(bucket: string, rule: Rule): Promise<void> {
    const count = await this.hit(bucket, rule);
    if (count.hits > rule.limit) throw tooManyAttempts(count);
  }

  private async isWithinLimit(bucket: string, rule: Rule): Promise<boolean> {
    return (await this.hit(bucket, rule)).hits <= rule.limit;
  }

  /** A password someone chooses: not a common one, not built from the email or the product's name. */
  private checkNewPassword(field: string, password: string, email: string): void {
    if (isCommonPassword(password)) throw fieldError(field, "password_common");
    if (isBuiltFromContext(password, email)) throw fieldError(field, "password_context");
  }

  async register(input: Registration, origin: RequestOrigin): Promise<SignedIn> {
    await this.spend(bucketName("register:ip", addressKey(origin.ip)), ACCOUNT_POLICY.registrationsPerIp);
    this.checkNewPassword("password", input.password, input.email);
    if (await this.deps.accounts.findUserByEmail(input.email)) throw fieldError("email", "email_taken");

    let user: UserRow;
    try {
      user = await this.deps.accounts.createUser({
        id: createId(),
        email: input.email,
        passwordHash: await hashPassword(input.password),
        country: input.country,
        language: input.language,
        now: this.deps.clock.now(),
      });
    } catch (error) {
      // Two registrations of one email at once: the second loses the race here.
      if (error instanceof EmailTakenError) throw fieldError("email", "email_taken");
      throw error;
    }
    await this.audit("registered", origin, user);
    const session = await this.deps.sessions.issue({ userId: user.id, isPersistent: false, temporaryPasswordId: null, origin });
    return { account: toAccountView(user, false), session };
  }

  /**
   * Throttling (ADR 0008): the address is limited hard, and a refusal there charges nothing
   * else; the (account, address) pair is limited hard; the account is slowed after a few
   * failures and refused past a ceiling. A valid temporary password is never refused.
   */
  async login(input: Login, origin: RequestOrigin): Promise<SignedIn> {
    const address = addressKey(origin.ip);
    const ipBucket = bucketName("login:ip", address);
    const pairBucket = bucketName("login:pair", input.email, address);
    const ceilingBucket = bucketName("login:account-ceiling", input.email);
    const accountBucket = bucketName("login:account", input.email);
    const buckets = { ipBucket, pairBucket, ceilingBucket, accountBucket };

    // Counted before the check, so that concurrent guesses cannot overrun the limits; a
    // refusal charges nothing further down.
    const hardLimits: Array<[string, Rule]> = [
      [ipBucket, ACCOUNT_POLICY.loginAttemptsPerIp],
      [pairBucket, ACCOUNT_POLICY.loginFailuresPerAccountAndIp],
      [ceilingBucket, ACCOUNT_POLICY.loginAttemptsPerAccount],
    ];
    for (const [bucket, rule] of hardLimits) {
      const count = await this.hit(bucket, rule);
      if (count.hits > rule.limit) return this.loginWhileThrottled(input, origin, count, rule, buckets);
    }
    await this.slowDownIfUnderAttack(accountBucket);

    const user = await this.deps.accounts.findUserByEmail(input.email);
    const temporaries = user ? await this.findUsableTemporaryPasswords(user.id) : [];
    // One argon2 check (real or dummy) and one comparison per temporary password, whatever
    // exists, so that timing tells nothing about the account.
    const [passwordMatches, temporary] = await Promise.all([
      user?.password_hash ? verifyPassword(user.password_hash, input.password) : verifyAgainstDummy(input.password),
      matchingTemporaryPassword(temporaries, canonicalTemporaryPassword(input.password), true),
    ]);

    if (user && passwordMatches) {
      if (user.password_hash && needsRehash(user.password_hash)) {
        await this.deps.accounts.setPasswordHash(user.id, await hashPassword(input.password), this.deps.clock.now());
      }
      return this.completeLogin(user, input, origin, null, buckets);
    }
    if (user && temporary) {
      const signedIn = await this.consumeTemporaryPassword(user, temporary.id, input, origin, buckets);
      if (signedIn) return signedIn;
    }
    await this.deps.rateLimits.hit(accountBucket, ACCOUNT_POLICY.loginFailuresPerAccount.windowMs, this.deps.clock.now());
    await this.audit("login_failed", origin, { id: user?.id ?? null, email: input.email });
    throw new AppError("invalid_credentials");
  }

  private findUsableTemporaryPasswords(userId: string): Promise<TemporaryPasswordRow[]> {
    return this.deps.accounts.findUsableTemporaryPasswords(userId, this.deps.clock.now(), ACCOUNT_POLICY.temporaryPasswordsKept);
  }

  /** Past the account's soft limit every login to it waits a little longer, up to a cap. */
  private async slowDownIfUnderAttack(accountBucket: string): Promise<void> {
    const rule = ACCOUNT_POLICY.loginFailuresPerAccount;
    const failures = await this.deps.rateLimits.peek(accountBucket, rule.windowMs, this.deps.clock.now());
    if (failures <= rule.limit) return;
    await this.deps.clock.delay(Math.min(ACCOUNT_POLICY.loginSlowdownMaxMs, (failures - rule.limit) * ACCOUNT_POLICY.loginSlowdownStepMs));
  }

  /**
   * A throttled login is refused unless it presents one of the account's valid temporary
   * passwords: those came from the owner's mailbox, are single-use and short-lived. No
   * argon2 here at all (temporary passwords are compared as SHA-256), so that a throttled
   * address cannot make the server work.
   */
  private async loginWhileThrottled(
    input: Login,
    origin: RequestOrigin,
    count: WindowCount,
    rule: Rule,
    buckets: LoginBuckets,
  ): Promise<SignedIn> {
    // Audited once per bucket and window: refused requests cost no row each.
    if (count.hits === rule.limit + 1) await this.audit("login_throttled", origin, { email: input.email });
    const canonical = canonicalTemporaryPassword(input.password);
    if (!TEMPORARY_PASSWORD_SHAPE.test(canonical)) throw tooManyAttempts(count);
    const user = await this.deps.accounts.findUserByEmail(input.email);
    const temporary = await matchingTemporaryPassword(user ? await this.findUsableTemporaryPasswords(user.id) : [], canonical, false);
    if (user && temporary) {
      // The owner is in: the account's counters start again; the address's stay.
      const accountOnly = { accountBucket: buckets.accountBucket, ceilingBucket: buckets.ceilingBucket };
      const signedIn = await this.consumeTemporaryPassword(user, temporary.id, input, origin, accountOnly);
      if (signedIn) return signedIn;
    }
    throw tooManyAttempts(count);
  }

  private async consumeTemporaryPassword(
    user: UserRow,
    temporaryPasswordId: string,
    input: Login,
    origin: RequestOrigin,
    buckets: LoginBuckets,
  ): Promise<SignedIn | undefined> {
    const consumed = await this.deps.accounts.consumeTemporaryPassword(temporaryPasswordId, user.id, this.deps.clock.now());
    if (!consumed) return undefined;
    await this.audit("temporary_password_used", origin, user);
    return this.completeLogin(user, input, origin, temporaryPasswordId, buckets);
  }

  private async completeLogin(
    user: UserRow,
    input: Login,
    origin: RequestOrigin,
    temporaryPasswordId: string | null,
    buckets: LoginBuckets,
  ): Promise<SignedIn> {
    if (user.disabled_at !== null) {
      // Said only to whoever knows the password: to anybody else the account looks like any other.
      await this.audit("login_refused_disabled", origin, user);
      throw new AppError("account_disabled");
    }
    if (buckets.pairBucket) await this.deps.rateLimits.clear(buckets.pairBucket);
    if (buckets.accountBucket) await this.deps.rateLimits.clear(buckets.accountBucket);
    if (buckets.ceilingBucket) await this.deps.rateLimits.clear(buckets.ceilingBucket);
    if (buckets.ipBucket) await this.deps.rateLimits.giveBack(buckets.ipBucket);
    let language = user.language;
    if (input.language && input.language !== user.language) {
      await this.deps.accounts.setLanguage(user.id, input.language, this.deps.clock.now());
      language = input.language;
    }
    const session = await this.deps.sessions.issue({
      userId: user.id,
      isPersistent: input.rememberMe,
      temporaryPasswordId,
      origin,
    });
    await this.audit("login_succeeded", origin, user);
    return { account: toAccountView({ ...user, language }, temporaryPasswordId !== null), session };
  }

  /**
   * Records the request durably and returns at once: the same work and the same
   * answer whether or not the account exists. The mail job does the rest.
   */
  async requestTemporaryPassword(email: string, origin: RequestOrigin): Promise<void> {
    const bucket = bucketName("reset:ip", addressKey(origin.ip));
    if (!(await this.isWithinLimit(bucket, ACCOUNT_POLICY.passwordResetRequestsPerIp))) return;
    await this.deps.mailQueue.enqueue(MAIL_TEMPORARY_PASSWORD, { email, origin } satisfies TemporaryPasswordJob, { email });
  }

  private async sendTemporaryPassword(job: TemporaryPasswordJob, attempt: number): Promise<void> {
    const user = await this.deps.accounts.findUserByEmail(job.email);
    if (!user || user.disabled_at !== null) return;
    // Only the first attempt counts: a retry after an SMTP failure is the same request.
    if (attempt === 0) {
      // Per requesting address first, so that a stranger's requests use up the stranger's
      // share; the account-wide cap only bounds mail-bombing.
      const pair = bucketName("reset:pair", user.id, addressKey(job.origin.ip));
      if (!(await this.isWithinLimit(pair, ACCOUNT_POLICY.temporaryPasswordMailsPerAccountAndIp))) return;
      const account = bucketName("reset:account", user.id);
      if (!(await this.isWithinLimit(account, ACCOUNT_POLICY.temporaryPasswordMailsPerAccount))) return;
      await this.audit("temporary_password_requested", job.origin, user);
    }
    const temporaryPassword = createTemporaryPassword();
    const now = this.deps.clock.now();
    const id = createSortableId(now);
    await this.deps.accounts.addTemporaryPassword(
      {
        id,
        userId: user.id,
        passwordHash: hashTemporaryPassword(temporaryPassword),
        now,
        expiresAt: now + ACCOUNT_POLICY.temporaryPasswordMs,
      },
      ACCOUNT_POLICY.temporaryPasswordsKept,
    );
    try {
      await this.deps.mailer.send(
        temporaryPasswordMail({ to: user.email, language: user.language, temporaryPassword, loginUrl: this.loginUrl }),
      );
    } catch (error) {
      // Never seen by anyone: it must not take the place of one the owner holds.
      await this.deps.accounts.deleteTemporaryPassword(id);
      throw error;
    }
  }

  private async sendPasswordChangedNotice(job: PasswordChangedJob): Promise<void> {
    const user = await this.deps.accounts.findUserById(job.userId);
    if (!user) return;
    await this.deps.mailer.send(
      passwordChangedMail({ to: user.email, language: user.language, changedAt: job.changedAt, loginUrl: this.loginUrl }),
    );
  }

  async changePassword(session: SessionRow, input: PasswordChange, origin: RequestOrigin): Promise<SignedIn> {
    const user = await this.getUser(session.user_id);
    await this.checkCurrentPassword(session, user, input.currentPassword, origin);
    if (input.newPassword === input.currentPassword) throw fieldError("newPassword", "password_unchanged");
    this.checkNewPassword("newPassword", input.newPassword, user.email);

    const now = this.deps.clock.now();
    await this.deps.accounts.setPasswordHash(user.id, await hashPassword(input.newPassword), now);
    // Every session ends, this one too: it is replaced by a fresh token below.
    await this.deps.sessions.endAllOthers(user.id);
    const issued = await this.deps.sessions.issue({
      userId: user.id,
      isPersistent: session.is_persistent === 1,
      temporaryPasswordId: null,
      origin,
    });
    await this.audit("password_changed", origin, user);
    await this.deps.mailQueue.enqueue(MAIL_PASSWORD_CHANGED, { userId: user.id, changedAt: now } satisfies PasswordChangedJob, {
      userId: user.id,
    });
    return { account: toAccountView(user, false), session: issued };
  }

  /** The current password, asked again before a sensitive change: limited, and each failure audited. */
  private async checkCurrentPassword(session: SessionRow, user: UserRow, presented: string, origin: RequestOrigin): Promise<void> {
    const bucket = bucketName("password-check:user", user.id);
    await this.spend(bucket, ACCOUNT_POLICY.passwordChecksPerAccount);
    if (!(await this.verifyCurrentPassword(session, user, presented))) {
      await this.audit("current_password_failed", origin, user);
      throw fieldError("currentPassword", "current_password_wrong");
    }
    await this.deps.rateLimits.clear(bucket);
  }

  private async verifyCurrentPassword(session: SessionRow, user: UserRow, presented: string): Promise<boolean> {
    if (session.temporary_password_id) {
      const temporary = await this.deps.accounts.findTemporaryPassword(session.temporary_password_id);
      return (await matchingTemporaryPassword(temporary ? [temporary] : [], canonicalTemporaryPassword(presented), true)) !== undefined;
    }
    return user.password_hash ? verifyPassword(user.password_hash, presented) : verifyAgainstDummy(presented);
  }

  async logout(session: SessionRow, origin: RequestOrigin): Promise<void> {
    await this.deps.sessions.end(session.token_hash);
    await this.audit("logout", origin, { id: session.user_id });
  }

  listSessions(session: SessionRow): Promise<AccountSession[]> {
    return this.deps.sessions.list(session);
  }

  async endSession(session: SessionRow, id: string, origin: RequestOrigin): Promise<void> {
    if (!(await this.deps.sessions.endById(session.user_id, id))) throw new AppError("not_found");
    await this.audit("session_ended", origin, { id: session.user_id }, id);
  }

  async endOtherSessions(session: SessionRow, origin: RequestOrigin): Promise<number> {
    const ended = await this.deps.sessions.endAllOthers(session.user_id, session.token_hash);
    await this.audit("other_sessions_ended", origin, { id: session.user_id }, String(ended));
    return ended;
  }

  /**
   * Deletes the account after its current password is given again. The account's row goes
   * last and every step can run again, so that a failure part way leaves an account that its
   * owner can still sign in to and delete: the other sessions end (no other device adds data
   * meanwhile), then every other module's data (instances, whose tokens stop at once; sandbox
   * phones), pending mail, and the account with its sessions. The audit keeps the event.
   */
  async deleteAccount(session: SessionRow, currentPassword: string, origin: RequestOrigin): Promise<void> {
    const user = await this.getUser(session.user_id);
    await this.checkCurrentPassword(session, user, currentPassword, origin);
    await this.deps.sessions.endAllOthers(user.id, session.token_hash);
    for (const owner of this.dataOwners) await owner.deleteAccountData(user.id);
    await this.deps.mailQueue.deleteFor(user.id, user.email);
    // Two deletions at once: only the one that removed the row records it.
    if (await this.deps.accounts.deleteUser(user.id)) await this.audit("account_deleted", origin, user);
  }

  /** Everything the account holds, as JSON: no password hash, no token. */
  async exportData(session: SessionRow): Promise<Record<string, unknown>> {
    const user = await this.getUser(session.user_id);
    const data: Record<string, unknown> = {
      exportedAt: new Date(this.deps.clock.now()).toISOString(),
      account: {
        email: user.email,
        country: user.country,
        language: user.language,
        createdAt: new Date(user.created_at).toISOString(),
      },
    };
    for (const owner of this.dataOwners) data[owner.exportKey] = await owner.exportAccountData(user.id);
    data.sessions = (await this.deps.sessions.list(session)).map(({ isCurrent: _isCurrent, ...rest }) => rest);
    data.auditEvents = (await this.deps.audit.listForUser(user.id)).map((event) => ({
      event: event.event,
      occurredAt: new Date(event.occurred_at).toISOString(),
      ip: event.ip,
      userAgent: event.user_agent,
      ...(event.subject ? { subject: event.subject } : {}),
    }));
    return data;
  }

  async setLanguage(userId: string, language: Language): Promise<AccountView> {
    await this.deps.accounts.setLanguage(userId, language, this.deps.clock.now());
    return toAccountView(await this.getUser(userId), false);
  }

  async describe(session: SessionRow): Promise<AccountView> {
    return toAccountView(await this.getUser(session.user_id), session.temporary_password_id !== null);
  }

  private async getUser(userId: string): Promise<UserRow> {
    const user = await this.deps.accounts.findUserById(userId);
    if (!user) throw new AppError("not_signed_in");
    return user;
  }
}

interface LoginBuckets {
  ipBucket?: string;
  pairBucket?: string;
  accountBucket?: string;
  ceilingBucket?: string;
}

function tooManyAttempts(count: WindowCount): AppError {
  return new AppError("too_many_attempts", undefined, undefined, Math.max(1, Math.ceil(count.resetsInMs / 1000)));
}

function toAccountView(user: UserRow, mustChangePassword: boolean): AccountView {
  return {
    email: user.email,
    country: user.country,
    language: isLanguage(user.language) ? user.language : DEFAULT_LANGUAGE,
    mustChangePassword,
  };
}
