import type { Readable } from "node:stream";
import { request, type Dispatcher } from "undici";
import { describeOutboundFailure } from "../security/outbound-guard.js";
import { FileTooLarge } from "./media-store.js";

/** Why a file could not be fetched from its URL, in words fit for the API's 400. */
export class RemoteFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteFileError";
  }
}

/** A successful answer, for the caller to stream where it keeps files. */
export interface RemoteAnswer {
  body: Readable;
  /** The Content-Type the server answered with, without parameters; "" when none. */
  contentType: string;
  /** The Content-Length the server declared, when it declared one. */
  declaredSize: number | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches a file by URL (sendFileByUrl) and hands its answer to `keep`, which streams the body
 * where files are kept and enforces `maxBytes` while it does. Every connection goes through
 * the guarded dispatcher, so each hop of a redirect is checked again at connect time; at most
 * `maxRedirects` hops are followed, http and https only; a declared length past `maxBytes` is
 * refused before any byte is read; the whole fetch ends after `timeoutMs`.
 */
export async function fetchRemoteFile<Kept>(
  url: string,
  keep: (answer: RemoteAnswer) => Promise<Kept>,
  options: { dispatcher: Dispatcher; maxBytes: number; timeoutMs: number; maxRedirects: number },
): Promise<Kept> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = parseHttpUrl(url);
  for (let hop = 0; ; hop++) {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(current, { method: "GET", dispatcher: options.dispatcher, signal });
    } catch (error) {
      throw new RemoteFileError(describeOutboundFailure(error, options.timeoutMs));
    }
    if (REDIRECTS.has(answer.statusCode)) {
      discard(answer.body);
      const location = answer.headers.location;
      if (typeof location !== "string") throw new RemoteFileError(`the server answered ${answer.statusCode} without a Location`);
      if (hop >= options.maxRedirects) throw new RemoteFileError(`more than ${options.maxRedirects} redirects`);
      current = parseHttpUrl(new URL(location, current).toString());
      continue;
    }
    if (answer.statusCode < 200 || answer.statusCode >= 300) {
      discard(answer.body);
      throw new RemoteFileError(`the server answered ${answer.statusCode}`);
    }
    const declared = Number(answer.headers["content-length"]);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(answer.body);
      throw new FileTooLarge(options.maxBytes);
    }
    const contentType = String(answer.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    try {
      return await keep({ body: answer.body, contentType, declaredSize: Number.isFinite(declared) ? declared : undefined });
    } catch (error) {
      discard(answer.body);
      if (signal.aborted) throw new RemoteFileError(`no complete answer within ${options.timeoutMs} ms`);
      throw error;
    }
  }
}

/** Drops an answer's body unread; the abort it reports is expected, not an error to surface. */
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => undefined);
  body.destroy();
}

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RemoteFileError("it is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new RemoteFileError(`${url.protocol} URLs are not fetched, only http and https`);
  return url;
}
