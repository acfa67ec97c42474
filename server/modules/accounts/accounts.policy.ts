import { BROWSER_SESSION_HOURS, REMEMBERED_SESSION_DAYS, TEMPORARY_PASSWORD_MINUTES } from "../../../shared/limits.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Limits of the account flows, in one place so that tests and docs can cite them. */
export const ACCOUNT_POLICY = {
  rememberedSessionMs: REMEMBERED_SESSION_DAYS * 24 * HOUR,
  browserSessionMs: BROWSER_SESSION_HOURS * HOUR,
  /** A remembered session's expiry moves forward at most this often, to spare writes. */
  sessionExtendEveryMs: MINUTE,
  temporaryPasswordMs: TEMPORARY_PASSWORD_MINUTES * MINUTE,

  /** Failed logins: windows end by themselves, so nobody is ever locked out for good. */
  loginFailuresPerAccount: { limit: 10, windowMs: 15 * MINUTE },
  loginAttemptsPerIp: { limit: 50, windowMs: 15 * MINUTE },
  /** Wrong current passwords in the change-password form, per account. */
  passwordChecksPerAccount: { limit: 10, windowMs: 15 * MINUTE },
  registrationsPerIp: { limit: 10, windowMs: HOUR },
  /** Mails with a temporary password; past it requests are dropped silently. */
  temporaryPasswordMailsPerAccount: { limit: 3, windowMs: HOUR },
  passwordResetRequestsPerIp: { limit: 20, windowMs: HOUR },
} as const;
