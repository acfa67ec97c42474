import type { ApiVerb } from "../../../shared/green-api-methods.js";
import { NetworkError } from "./client.js";

export interface PublicApiAnswer {
  status: number;
  statusText: string;
  /** Pretty-printed when the answer is JSON, otherwise the text as received. */
  body: string;
}

interface PublicApiCall {
  apiUrl: string;
  idInstance: number;
  apiTokenInstance: string;
  method: string;
  verb: ApiVerb;
  /** Extra path segment, such as deleteNotification's receiptId. */
  pathSuffix?: string;
  /** Without "?". */
  query?: string;
  /** A JSON text, for POST. */
  body?: string;
  signal?: AbortSignal;
}

/** `{apiUrl}/waInstance{idInstance}/{method}/{apiTokenInstance}` with a placeholder for whatever is not known yet. */
export function publicApiUrl(call: Omit<PublicApiCall, "verb" | "body" | "signal">): string {
  const segments = [
    call.apiUrl.replace(/\/+$/, ""),
    `waInstance${call.idInstance}`,
    encodeURIComponent(call.method),
    encodeURIComponent(call.apiTokenInstance),
  ];
  if (call.pathSuffix) segments.push(encodeURIComponent(call.pathSuffix));
  const query = call.query?.trim().replace(/^\?/, "");
  return segments.join("/") + (query ? `?${query}` : "");
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Calls the instance's public API as an integration would: the token in the path, no console cookie. */
export async function callPublicApi(call: PublicApiCall): Promise<PublicApiAnswer> {
  let response: Response;
  try {
    response = await fetch(publicApiUrl(call), {
      method: call.verb,
      headers: call.verb === "POST" ? { "Content-Type": "application/json" } : {},
      body: call.verb === "POST" ? (call.body ?? "") : undefined,
      credentials: "omit",
      signal: call.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new NetworkError(cause);
  }
  const text = await response.text().catch(() => "");
  return { status: response.status, statusText: response.statusText, body: pretty(text) };
}
