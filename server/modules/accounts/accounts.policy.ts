import {
  BROWSER_SESSION_HOURS,
  BROWSER_SESSION_IDLE_HOURS,
  REMEMBERED_SESSION_DAYS,
  TEMPORARY_PASSWORD_MINUTES,
} from "../../../shared/limits.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Limits of the account flows, in one place so that tests and docs can cite them (ADR 0008). */
export const ACCOUNT_POLICY = {
  /** Absolute caps: a session never outlives these, however active it is. */
  rememberedSessionMs: REMEMBERED_SESSION_DAYS * 24 * HOUR,
  browserSessionMs: BROWSER_SESSION_HOURS * HOUR,
  /** A browser session also ends after this long without a request. */
  browserSessionIdleMs: BROWSER_SESSION_IDLE_HOURS * HOUR,
  /** A session's last activity is written at most this often, to spare writes. */
  sessionTouchEveryMs: MINUTE,
  temporaryPasswordMs: TEMPORARY_PASSWORD_MINUTES * MINUTE,

  /**
   * Login attempts from one address (an IPv6 address's /64), whatever the account: past it,
   * 429 (hard).
   */
  loginAttemptsPerIp: { limit: 50, windowMs: 15 * MINUTE },
  /** Failed logins to one account from one address: past it, 429 for that pair only (hard). */
  loginFailuresPerAccountAndIp: { limit: 10, windowMs: 15 * MINUTE },
  /**
   * Failed logins to one account from every address: past it, each login to the account is
   * slowed, so that a guesser pays before the ceiling below refuses.
   */
  loginFailuresPerAccount: { limit: 5, windowMs: 15 * MINUTE },
  loginSlowdownStepMs: 500,
  loginSlowdownMaxMs: 5_000,
  /**
   * Password attempts to one account from every address since its last sign-in (NIST
   * SP 800-63B 5.2.2 caps failed attempts at 100): past it, password logins to the account
   * answer 429. Counted before the check, so parallel guesses cannot overrun it. A valid
   * temporary password is still accepted: the owner always gets in through Forgot password.
   */
  loginAttemptsPerAccount: { limit: 100, windowMs: HOUR },
  /** Wrong current passwords (password change, account deletion), per account. */
  passwordChecksPerAccount: { limit: 10, windowMs: 15 * MINUTE },
  registrationsPerIp: { limit: 10, windowMs: HOUR },
  /**
   * Mails with a temporary password for one account asked from one address (an IPv6 /64);
   * past it requests are dropped silently. Per address, so that a stranger's requests do not
   * use up the owner's.
   */
  temporaryPasswordMailsPerAccountAndIp: { limit: 3, windowMs: HOUR },
  /** Every address together, against mail-bombing; past it requests are dropped silently. */
  temporaryPasswordMailsPerAccount: { limit: 10, windowMs: HOUR },
  /** How many unused temporary passwords stay valid: a new mail does not void the owner's. */
  temporaryPasswordsKept: 3,
  passwordResetRequestsPerIp: { limit: 20, windowMs: HOUR },
} as const;
