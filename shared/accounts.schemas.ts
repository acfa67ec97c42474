import countries from "i18n-iso-countries";
import { z } from "zod";
import { LANGUAGES } from "./languages.js";
import { EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./limits.js";
import type { FieldErrorCode } from "./errors.js";

/** A string field whose every failure message is a FieldErrorCode. */
function text() {
  return z.string({
    error: (issue) => (issue.input === undefined || issue.input === null ? "required" : "invalid"),
  });
}

const code = (value: FieldErrorCode) => value;

/** Compares a password with its repeat even when other fields failed, so every error shows at once. */
function repeatMatches<Key extends string, RepeatKey extends string>(key: Key, repeatKey: RepeatKey) {
  return [
    (value: Record<Key | RepeatKey, string>, ctx: z.RefinementCtx) => {
      if (value[key] !== value[repeatKey]) {
        ctx.addIssue({ code: "custom", path: [repeatKey], message: code("passwords_do_not_match") });
      }
    },
    {
      when: (payload: { value: unknown }) => {
        const value = payload.value as Record<string, unknown> | null;
        return typeof value?.[key] === "string" && typeof value[repeatKey] === "string";
      },
    },
  ] as const;
}

/** Count code points, not UTF-16 units, so an emoji is one character as a person sees it. */
export function passwordLength(password: string): number {
  return [...password].length;
}

/** NFKC makes the visually same password typed on different keyboards the same bytes. */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

export const emailSchema = text()
  .transform((value) => value.trim().normalize("NFC").toLowerCase())
  .pipe(
    text()
      .min(1, code("required"))
      .max(EMAIL_MAX_LENGTH, code("too_long"))
      .pipe(z.email(code("invalid_email"))),
  );

/** A password someone is choosing: length rules apply (common-password check is server-side). */
export const newPasswordSchema = text()
  .transform(normalizePassword)
  .superRefine((value, ctx) => {
    const length = passwordLength(value);
    if (length === 0) ctx.addIssue({ code: "custom", message: code("required") });
    else if (length < PASSWORD_MIN_LENGTH) ctx.addIssue({ code: "custom", message: code("password_too_short") });
    else if (length > PASSWORD_MAX_LENGTH) ctx.addIssue({ code: "custom", message: code("password_too_long") });
  });

/** A password someone is presenting: only bounded, so that hashing cost stays bounded. */
export const presentedPasswordSchema = text()
  .transform(normalizePassword)
  .pipe(
    text()
      .min(1, code("required"))
      .max(PASSWORD_MAX_LENGTH * 4, code("too_long")),
  );

export const languageSchema = z.enum(LANGUAGES, { error: code("language_invalid") });

/** An ISO 3166-1 alpha-2 code that names a country. */
export const countrySchema = text()
  .transform((value) => value.trim().toUpperCase())
  .pipe(
    text()
      .min(1, code("required"))
      .refine((value) => countries.isValid(value), code("country_invalid")),
  );

export const registrationRequestSchema = z
  .strictObject({
    email: emailSchema,
    password: newPasswordSchema,
    passwordRepeat: presentedPasswordSchema,
    country: countrySchema,
    agreementAccepted: z.literal(true, { error: code("agreement_required") }),
    language: languageSchema,
  })
  .superRefine(...repeatMatches("password", "passwordRepeat"));
export type RegistrationRequest = z.input<typeof registrationRequestSchema>;

export const loginRequestSchema = z.strictObject({
  email: emailSchema,
  password: presentedPasswordSchema,
  rememberMe: z.boolean({ error: code("invalid") }).default(false),
  /** Sent when the person picked a language before signing in; it is saved on the account. */
  language: languageSchema.optional(),
});
export type LoginRequest = z.input<typeof loginRequestSchema>;

export const passwordResetRequestSchema = z.strictObject({
  email: emailSchema,
});
export type PasswordResetRequest = z.input<typeof passwordResetRequestSchema>;

export const passwordChangeRequestSchema = z
  .strictObject({
    currentPassword: presentedPasswordSchema,
    newPassword: newPasswordSchema,
    newPasswordRepeat: presentedPasswordSchema,
  })
  .superRefine(...repeatMatches("newPassword", "newPasswordRepeat"));
export type PasswordChangeRequest = z.input<typeof passwordChangeRequestSchema>;

export const languageChangeRequestSchema = z.strictObject({ language: languageSchema });
export type LanguageChangeRequest = z.input<typeof languageChangeRequestSchema>;

/** What the console knows of the signed-in person. */
export const accountViewSchema = z.object({
  email: z.string(),
  country: z.string(),
  language: languageSchema,
  /** True after a login with a temporary password: only the password change is open. */
  mustChangePassword: z.boolean(),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export const accountResponseSchema = z.object({ account: accountViewSchema });

/** One signed-in session of the account, as the Account tab lists it. */
export const accountSessionSchema = z.object({
  /** A public id of the session (never its token or the token's hash). */
  id: z.string(),
  /** Browser and system read from the user agent, such as "Chrome 131 on Linux"; "" when unknown. */
  device: z.string(),
  /** The address the session was signed in from. */
  ip: z.string(),
  /** ISO 8601 */
  createdAt: z.string(),
  /** ISO 8601: the session's last request (updated at most once a minute). */
  lastSeenAt: z.string(),
  /** ISO 8601: when the server ends the session at the latest. */
  expiresAt: z.string(),
  isPersistent: z.boolean(),
  /** The session this request came with. */
  isCurrent: z.boolean(),
});
export type AccountSession = z.infer<typeof accountSessionSchema>;

export const accountSessionsResponseSchema = z.object({ sessions: z.array(accountSessionSchema) });

export const endOtherSessionsResponseSchema = z.object({ ended: z.number().int() });

/** Deleting the account asks for the current password again. */
export const accountDeletionRequestSchema = z.strictObject({ currentPassword: presentedPasswordSchema });
export type AccountDeletionRequest = z.input<typeof accountDeletionRequestSchema>;

/**
 * The partner API (`{partnerApiUrl}/partner/{method}/{partnerToken}`: getInstances,
 * createInstance, deleteInstanceAccount) for the account's own instances.
 * GET /api/console/account/partner answers this; POST /api/console/account/partner/token creates
 * the token and answers it (409 already_exists when there is one: another tab made it); POST
 * /api/console/account/partner/token/rotate replaces it (the old one stops at once); GET
 * /api/console/account/partner/token reveals it (404 not_found while there is none). Both are
 * audited.
 */
export const partnerViewSchema = z.object({
  partnerApiUrl: z.string(),
  hasToken: z.boolean(),
});
export type PartnerView = z.infer<typeof partnerViewSchema>;

export const partnerTokenResponseSchema = z.object({ partnerToken: z.string() });
