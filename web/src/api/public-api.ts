import type { ApiVerb } from "../../../shared/green-api-methods.js";
import { NetworkError } from "./client.js";

export interface PublicApiAnswer {
  status: number;
  statusText: string;
  /** Pretty-printed when the answer is JSON, otherwise the text as received. */
  body: string;
}

/** What a POST sends: a JSON text, form fields with a file as the part `file`, or a file's bytes as they are. */
export type PublicApiBody =
  { kind: "json"; text: string } | { kind: "multipart"; fields: Record<string, string>; file: File } | { kind: "raw"; file: File };

interface PublicApiCall {
  /** The instance's apiUrl, or its mediaUrl for the methods that take a file. */
  apiUrl: string;
  idInstance: number;
  apiTokenInstance: string;
  method: string;
  verb: ApiVerb;
  /** Extra path segment, such as deleteNotification's receiptId. */
  pathSuffix?: string;
  /** Without "?". */
  query?: string;
  /** For POST. */
  body?: PublicApiBody;
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

/**
 * The header that tells uploadFile what a file's bytes are: its type, or, when the browser does not
 * know it, its name (GA-Filename), from whose extension the server takes it. A header carries
 * Latin-1 only, so a name beyond printable ASCII, or with a "%" the server would decode, is sent
 * percent-encoded.
 */
export function rawUploadHeaders(file: File): Record<string, string> {
  if (file.type !== "") return { "Content-Type": file.type };
  const plain = /^[\x20-\x7e]*$/.test(file.name) && !file.name.includes("%");
  return { "GA-Filename": plain ? file.name : encodeURIComponent(file.name) };
}

function requestOf(body: PublicApiBody | undefined): { headers: Record<string, string>; body: BodyInit } {
  if (body === undefined) return { headers: { "Content-Type": "application/json" }, body: "" };
  switch (body.kind) {
    case "json":
      return { headers: { "Content-Type": "application/json" }, body: body.text };
    case "multipart": {
      // No Content-Type: the browser writes multipart/form-data with the parts' boundary.
      const form = new FormData();
      for (const [name, value] of Object.entries(body.fields)) form.append(name, value);
      form.append("file", body.file, body.file.name);
      return { headers: {}, body: form };
    }
    case "raw":
      return { headers: rawUploadHeaders(body.file), body: body.file };
  }
}

/** Calls the instance's public API as an integration would: the token in the path, no console cookie. */
export async function callPublicApi(call: PublicApiCall): Promise<PublicApiAnswer> {
  const request = call.verb === "POST" ? requestOf(call.body) : { headers: {}, body: undefined };
  let response: Response;
  try {
    response = await fetch(publicApiUrl(call), {
      method: call.verb,
      headers: request.headers,
      body: request.body,
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
