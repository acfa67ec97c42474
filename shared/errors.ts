/**
 * Stable error codes of the console API. The wire shape of every error is
 * `{ error: ErrorCode, message: string, fields?: Record<field, FieldErrorCode> }`;
 * the web app translates codes, the English `message` is for API users and logs.
 */
export const ERROR_CODES = [
  "validation_failed",
  "invalid_json",
  "payload_too_large",
  "unsupported_media_type",
  "invalid_credentials",
  "too_many_attempts",
  "not_signed_in",
  "password_change_required",
  "account_disabled",
  "quota_exceeded",
  "already_exists",
  "origin_mismatch",
  "not_found",
  "method_not_allowed",
  "internal_error",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FIELD_ERROR_CODES = [
  "required",
  "invalid",
  "invalid_email",
  "too_long",
  "password_too_short",
  "password_too_long",
  "password_common",
  "password_context",
  "passwords_do_not_match",
  "country_invalid",
  "agreement_required",
  "language_invalid",
  "email_taken",
  "current_password_wrong",
  "password_unchanged",
  "number_taken",
  "address_refused",
  "too_large",
] as const;
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number];

export interface ApiErrorBody {
  error: ErrorCode;
  message: string;
  fields?: Record<string, FieldErrorCode>;
}
