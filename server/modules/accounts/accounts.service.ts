import type { z } from "zod";
import type {
  AccountView,
  loginRequestSchema,
  passwordChangeRequestSchema,
  registrationRequestSchema,
} from "../../../shared/accounts.schemas.js";
import { isLanguage, DEFAULT_LANGUAGE, type Language } from "../../../shared/languages.js";
import type { Clock } from "../../clock.js";
import { AppError, fieldError } from "../../errors.js";
import type { MailQueue } from "../../mail/mail-queue.js";
import type { Mailer } from "../../mail/mailer.js";
import { passwordChangedMail, temporaryPasswordMail } from "../../mail/templates.js";
import { hashPassword, isCommonPassword, verifyAgainstDummy, verifyPassword } from "../../security/passwords.js";
import { createId, createTemporaryPassword } from "../../security/tokens.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import type { RateLimitRepository } from "../rate-limit/rate-limit.repository.js";
import { ACCOUNT_POLICY } from "./accounts.policy.js";
import { EmailTakenError, type AccountsRepository, type UserRow } from "./accounts.repository.js";
import type { IssuedSession, SessionsService } from "./sessions.service.js";
import type { SessionRow } from "./sessions.repository.js";

type Registration = z.output<typeof registrationRequestSchema>;
type Login = z.output<typeof loginRequestSchema>;
type PasswordChange = z.output<typeof passwordChangeRequestSchema>;

export interface SignedIn {
  account: AccountView;
  session: IssuedSession;
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

export class AccountsService {
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
    deps.mailQueue.registerHandler(MAIL_PASSWORD_CHANGED, (payload) =>
      this.sendPasswordChangedNotice(payload as PasswordChangedJob),
    );
  }

  private get loginUrl(): string {
    return `${this.deps.publicUrl}/login`;
  }

  private async audit(event: AuditEvent, origin: RequestOrigin, user?: { id?: string | null; email?: string | null }) {
    await this.deps.audit.record({
      event,
      origin,
      userId: user?.id ?? null,
      email: user?.email ?? null,
      occurredAt: this.deps.clock.now(),
    });
  }

  /** Counts one attempt against a window; throws too_many_attempts once the limit is passed. */
  private async spend(bucket: string, rule: { limit: number; windowMs: number }): Promise<void> {
    const count = await this.deps.rateLimits.hit(bucket, rule.windowMs, this.deps.clock.now());
    if (count.hits > rule.limit) {
      throw new AppError("too_many_attempts", undefined, undefined, Math.ceil(count.resetsInMs / 1000));
    }
  }

  private async isWithinLimit(bucket: string, rule: { limit: number; windowMs: number }): Promise<boolean> {
    const count = await this.deps.rateLimits.hit(bucket, rule.windowMs, this.deps.clock.now());
    return count.hits <= rule.limit;
  }

  async register(input: Registration, origin: RequestOrigin): Promise<SignedIn> {
    await this.spend(`register:ip:${origin.ip}`, ACCOUNT_POLICY.registrationsPerIp);
    if (isCommonPassword(input.password)) throw fieldError("password", "password_common");
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

  async login(input: Login, origin: RequestOrigin): Promise<SignedIn> {
    const accountBucket = `login:account:${input.email}`;
    const ipBucket = `login:ip:${origin.ip}`;
    // Attempts are counted before the check, so concurrent guesses cannot overrun the limit.
    for (const [bucket, rule] of [
      [accountBucket, ACCOUNT_POLICY.loginFailuresPerAccount],
      [ipBucket, ACCOUNT_POLICY.loginAttemptsPerIp],
    ] as const) {
      try {
        await this.spend(bucket, rule);
      } catch (error) {
        await this.audit("login_throttled", origin, { email: input.email });
        throw error;
      }
    }

    const user = await this.deps.accounts.findUserByEmail(input.email);
    const temporary = user ? await this.deps.accounts.findUsableTemporaryPassword(user.id, this.deps.clock.now()) : undefined;
    // Always two argon2 checks, whatever exists, so timing tells nothing about the account.
    const [passwordMatches, temporaryMatches] = await Promise.all([
      user?.password_hash ? verifyPassword(user.password_hash, input.password) : verifyAgainstDummy(input.password),
      temporary
        ? verifyPassword(temporary.password_hash, canonicalTemporaryPassword(input.password))
        : verifyAgainstDummy(input.password),
    ]);

    if (user && passwordMatches) {
      return this.completeLogin(user, input, origin, null, accountBucket, ipBucket);
    }
    if (user && temporary && temporaryMatches) {
      const consumed = await this.deps.accounts.consumeTemporaryPassword(temporary.id, user.id, this.deps.clock.now());
      if (consumed) {
        await this.audit("temporary_password_used", origin, user);
        return this.completeLogin(user, input, origin, temporary.id, accountBucket, ipBucket);
      }
    }
    await this.audit("login_failed", origin, { id: user?.id ?? null, email: input.email });
    throw new AppError("invalid_credentials");
  }

  private async completeLogin(
    user: UserRow,
    input: Login,
    origin: RequestOrigin,
    temporaryPasswordId: string | null,
    accountBucket: string,
    ipBucket: string,
  ): Promise<SignedIn> {
    await this.deps.rateLimits.clear(accountBucket);
    await this.deps.rateLimits.giveBack(ipBucket);
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
    if (!(await this.isWithinLimit(`reset:ip:${origin.ip}`, ACCOUNT_POLICY.passwordResetRequestsPerIp))) return;
    await this.deps.mailQueue.enqueue(MAIL_TEMPORARY_PASSWORD, { email, origin } satisfies TemporaryPasswordJob);
  }

  private async sendTemporaryPassword(job: TemporaryPasswordJob, attempt: number): Promise<void> {
    const user = await this.deps.accounts.findUserByEmail(job.email);
    if (!user) return;
    // Only the first attempt counts: a retry after an SMTP failure is the same request.
    if (attempt === 0) {
      const allowed = await this.isWithinLimit(`reset:account:${user.id}`, ACCOUNT_POLICY.temporaryPasswordMailsPerAccount);
      if (!allowed) return;
      await this.audit("temporary_password_requested", job.origin, user);
    }
    const temporaryPassword = createTemporaryPassword();
    const now = this.deps.clock.now();
    await this.deps.accounts.replaceTemporaryPassword({
      id: createId(),
      userId: user.id,
      passwordHash: await hashPassword(temporaryPassword),
      now,
      expiresAt: now + ACCOUNT_POLICY.temporaryPasswordMs,
    });
    await this.deps.mailer.send(
      temporaryPasswordMail({ to: user.email, language: user.language, temporaryPassword, loginUrl: this.loginUrl }),
    );
  }

  private async sendPasswordChangedNotice(job: PasswordChangedJob): Promise<void> {
    const user = await this.deps.accounts.findUserById(job.userId);
    if (!user) return;
    await this.deps.mailer.send(
      passwordChangedMail({ to: user.email, language: user.language, changedAt: job.changedAt, loginUrl: this.loginUrl }),
    );
  }

  async changePassword(
    session: SessionRow,
    input: PasswordChange,
    origin: RequestOrigin,
  ): Promise<SignedIn> {
    const user = await this.getUser(session.user_id);
    await this.spend(`password-check:user:${user.id}`, ACCOUNT_POLICY.passwordChecksPerAccount);
    const currentMatches = await this.verifyCurrentPassword(session, user, input.currentPassword);
    if (!currentMatches) throw fieldError("currentPassword", "current_password_wrong");
    await this.deps.rateLimits.clear(`password-check:user:${user.id}`);
    if (input.newPassword === input.currentPassword) throw fieldError("newPassword", "password_unchanged");
    if (isCommonPassword(input.newPassword)) throw fieldError("newPassword", "password_common");

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
    await this.deps.mailQueue.enqueue(MAIL_PASSWORD_CHANGED, { userId: user.id, changedAt: now } satisfies PasswordChangedJob);
    return { account: toAccountView(user, false), session: issued };
  }

  private async verifyCurrentPassword(session: SessionRow, user: UserRow, presented: string): Promise<boolean> {
    if (session.temporary_password_id) {
      const temporary = await this.deps.accounts.findTemporaryPassword(session.temporary_password_id);
      return temporary
        ? verifyPassword(temporary.password_hash, canonicalTemporaryPassword(presented))
        : verifyAgainstDummy(presented);
    }
    return user.password_hash ? verifyPassword(user.password_hash, presented) : verifyAgainstDummy(presented);
  }

  async logout(session: SessionRow, origin: RequestOrigin): Promise<void> {
    await this.deps.sessions.end(session.token_hash);
    await this.audit("logout", origin, { id: session.user_id });
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

function toAccountView(user: UserRow, mustChangePassword: boolean): AccountView {
  return {
    email: user.email,
    country: user.country,
    language: isLanguage(user.language) ? user.language : DEFAULT_LANGUAGE,
    mustChangePassword,
  };
}
