import type { ApiErrorBody, ErrorCode, FieldErrorCode } from "../shared/errors.js";

/** The one catalogue: each error code has one HTTP status and a default English message. */
export const ERROR_CATALOGUE: Record<ErrorCode, { status: number; message: string }> = {
  validation_failed: { status: 400, message: "Some fields are not valid." },
  invalid_json: { status: 400, message: "The request body is not valid JSON." },
  payload_too_large: { status: 413, message: "The request body is too large." },
  unsupported_media_type: { status: 415, message: "Send the request body as application/json." },
  invalid_credentials: { status: 401, message: "Wrong email or password." },
  too_many_attempts: { status: 429, message: "Too many attempts. Try again later." },
  not_signed_in: { status: 401, message: "Sign in to continue." },
  password_change_required: { status: 403, message: "Set a new password before doing anything else." },
  account_disabled: { status: 403, message: "This account has been disabled. Contact the operator of this server." },
  quota_exceeded: { status: 403, message: "The account has reached its limit. Delete one to make room for another." },
  already_exists: { status: 409, message: "It exists already." },
  origin_mismatch: { status: 403, message: "The request did not come from the console's own origin." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  internal_error: { status: 500, message: "Something went wrong on our side." },
};

/** An error meant for the client: it carries a stable code and never internals. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly fields?: Record<string, FieldErrorCode>,
    message?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = "AppError";
    this.status = ERROR_CATALOGUE[code].status;
  }

  toBody(): ApiErrorBody {
    return { error: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }
}

export function fieldError(field: string, code: FieldErrorCode): AppError {
  return new AppError("validation_failed", { [field]: code });
}
