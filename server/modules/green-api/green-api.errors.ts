import type { z } from "zod";

/**
 * An error of the compatible API: a status and GREEN-API's own text, sent as
 * text/plain (the official SDKs surface status and raw body).
 */
export class GreenApiError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(text);
    this.name = "GreenApiError";
  }
}

export const unauthorized = () => new GreenApiError(401, "Unauthorized");
export const forbidden = () => new GreenApiError(403, "Forbidden");
export const notFound = () => new GreenApiError(404, "Not Found");
export const tooManyRequests = () => new GreenApiError(429, "Too Many Requests", { "retry-after": "1" });
export const notAuthorizedInstance = () => new GreenApiError(400, "instance is starting or not authorized");
export const badRequest = (text: string) => new GreenApiError(400, text);
export const validationFailed = (detail: string) => new GreenApiError(400, `Validation failed. Details: ${detail}`);

function typeName(expected: unknown): string {
  return expected === "int" ? "number" : String(expected);
}

/** Words zod's issues the way GREEN-API's validator does ('chatId' is required…). */
function detailOf(issue: z.core.$ZodIssue): string {
  const field = issue.path.join(".");
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? `'${field}' is required` : `'${field}' must be a ${typeName(issue.expected)}`;
    case "unrecognized_keys":
      return `'${issue.keys[0]}' is not allowed`;
    case "too_small":
      // A longer minimum than one character has its own words (quoted message ids).
      if (issue.origin === "string")
        return Number(issue.minimum) > 1 && issue.message.includes("'") ? issue.message : `'${field}' is not allowed to be empty`;
      if (issue.origin === "array") return `'${field}' must contain at least ${String(issue.minimum)} items`;
      return `'${field}' must be greater than or equal to ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "string") return `'${field}' length must be less than or equal to ${String(issue.maximum)} characters long`;
      if (issue.origin === "array") return `'${field}' must contain less than or equal to ${String(issue.maximum)} items`;
      return `'${field}' must be less than or equal to ${String(issue.maximum)}`;
    case "invalid_value":
      return `'${field}' must be one of [${issue.values.map(String).join(", ")}]`;
    default:
      return issue.message.includes("'") ? issue.message : `'${field}' is not valid`;
  }
}

/** Parses a request part with a schema; bad input becomes GREEN-API's 400 text. */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input ?? undefined, { reportInput: true });
  if (result.success) return result.data;
  const first = result.error.issues[0];
  if (!first) throw badRequest("bad request data");
  if (first.code === "invalid_type" && first.path.length === 0) throw badRequest("bad request data");
  throw validationFailed(detailOf(first));
}
