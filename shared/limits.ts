/** Limits that the forms show and the server enforces. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** RFC 5321 caps a forward path at 256 octets including the angle brackets. */
export const EMAIL_MAX_LENGTH = 254;

/** A remembered session ends this long after sign-in, however active (an absolute cap, not sliding). */
export const REMEMBERED_SESSION_DAYS = 30;
/** A browser-session login ends on the server after this long at the most. */
export const BROWSER_SESSION_HOURS = 12;
/** A browser-session login also ends after this long without a request. */
export const BROWSER_SESSION_IDLE_HOURS = 2;

export const TEMPORARY_PASSWORD_MINUTES = 30;
