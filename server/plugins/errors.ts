import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { FIELD_ERROR_CODES, type FieldErrorCode } from "../../shared/errors.js";
import { AppError } from "../errors.js";
import { MalformedForm, UnexpectedFormFile } from "./multipart-form.js";

const fieldCodes: ReadonlySet<string> = new Set(FIELD_ERROR_CODES);

/** Fastify's own client errors, mapped to our catalogue. */
const FASTIFY_CODES: Record<string, AppError["code"]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_json",
};

export function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof MalformedForm) return new AppError("validation_failed", undefined, "The form could not be read.");
  if (error instanceof UnexpectedFormFile) return new AppError("validation_failed", { [error.field]: "invalid" });
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields: Record<string, FieldErrorCode> = {};
    const problems: string[] = [];
    for (const issue of error.validation) {
      const field = issue.instancePath.split("/")[1];
      if (field && !(field in fields)) {
        fields[field] = fieldCodes.has(issue.message) ? (issue.message as FieldErrorCode) : "invalid";
      } else if (!field) {
        problems.push(issue.message);
      }
    }
    const message = problems.length > 0 ? `The request is not valid: ${problems.join("; ")}.` : undefined;
    return new AppError("validation_failed", fields, message);
  }
  if (error instanceof SyntaxError || (error.code && FASTIFY_CODES[error.code] === "invalid_json")) {
    return new AppError("invalid_json");
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return new AppError(mapped);
  if (error.statusCode === 404) return new AppError("not_found");
  if (error.statusCode === 405) return new AppError("method_not_allowed");
  if (error.statusCode === 429) return new AppError("too_many_attempts");
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError("validation_failed");
  return undefined;
}

/**
 * One wire shape for every error. Anything we did not foresee becomes a
 * generic 500 that is logged with the request id and shows no internals.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toAppError(error);
    if (!known) {
      request.log.error({ err: error }, "unhandled error");
      const internal = new AppError("internal_error");
      return reply.status(internal.status).send(internal.toBody());
    }
    if (known.retryAfterSeconds !== undefined) reply.header("retry-after", String(known.retryAfterSeconds));
    return reply.status(known.status).send(known.toBody());
  });
}
