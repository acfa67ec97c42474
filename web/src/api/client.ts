import { ERROR_CODES, FIELD_ERROR_CODES } from "../../../shared/errors.js";
import type { ApiErrorBody, ErrorCode, FieldErrorCode } from "../../../shared/errors.js";

/** A console API answer that was not a success; `body` is the server's error, or one made up for a non-JSON answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get code(): ErrorCode {
    return this.body.error;
  }
}

/** The request never got an answer (offline, server down, connection reset). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("The server could not be reached", { cause });
    this.name = "NetworkError";
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

export function isFieldErrorCode(value: unknown): value is FieldErrorCode {
  return typeof value === "string" && (FIELD_ERROR_CODES as readonly string[]).includes(value);
}

type ApiErrorListener = (error: ApiError) => void;
const errorListeners = new Set<ApiErrorListener>();

/**
 * Hears every API error, so that the session can react to `not_signed_in` and
 * `password_change_required` wherever they come from. Returns the unsubscribe function.
 */
export function onApiError(listener: ApiErrorListener): () => void {
  errorListeners.add(listener);
  return () => {
    errorListeners.delete(listener);
  };
}

function toErrorBody(status: number, statusText: string, payload: unknown): ApiErrorBody {
  if (typeof payload === "object" && payload !== null && "error" in payload && typeof payload.error === "string") {
    const message = "message" in payload && typeof payload.message === "string" ? payload.message : statusText;
    const body: ApiErrorBody = { error: payload.error as ErrorCode, message };
    if ("fields" in payload && typeof payload.fields === "object" && payload.fields !== null) {
      body.fields = payload.fields as Record<string, FieldErrorCode>;
    }
    return body;
  }
  return { error: "internal_error", message: statusText || `HTTP ${status}` };
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * Calls the console API. Resolves with the parsed JSON body (undefined for 204),
 * throws ApiError for an error answer and NetworkError when there was no answer.
 */
export async function apiRequest(method: Method, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: string | undefined;
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    // A JSON content type with an empty body is a parse error on the server, so send at least {}.
    payload = JSON.stringify(body ?? {});
  }
  return send(path, { method, headers, body: payload });
}

/**
 * POSTs a multipart/form-data body (files) to the console API, with the same answers and errors
 * as apiRequest. No Content-Type is set: the browser writes it, with the parts' boundary.
 */
export async function apiUpload(path: string, form: FormData): Promise<unknown> {
  return send(path, { method: "POST", headers: { Accept: "application/json" }, body: form });
}

async function send(path: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, credentials: "same-origin" });
  } catch (cause) {
    throw new NetworkError(cause);
  }

  let data: unknown = undefined;
  if (response.status !== 204) {
    const text = await response.text().catch(() => "");
    if (text !== "") {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
  }

  if (!response.ok) {
    const error = new ApiError(response.status, toErrorBody(response.status, response.statusText, data));
    for (const listener of errorListeners) listener(error);
    throw error;
  }
  return data;
}
