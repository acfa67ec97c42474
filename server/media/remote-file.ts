import path from "node:path";
import { request, type Dispatcher } from "undici";
import { describeOutboundFailure } from "../security/outbound-guard.js";
import type { MediaStore, StoredBlob } from "./media-store.js";

/** Why a file could not be fetched from its URL, in words fit for the API's 400. */
export class RemoteFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteFileError";
  }
}

export interface RemoteFile extends StoredBlob {
  /** The Content-Type the server answered with, without parameters; "" when none. */
  contentType: string;
  /** The last segment of the final URL's path, decoded; "" when there is none. */
  fileName: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches a file by URL into the store (sendFileByUrl). Every connection goes through the
 * guarded dispatcher, so each hop of a redirect is checked again at connect time; at most
 * `maxRedirects` hops are followed, http and https only; past `maxBytes` the download stops
 * while it streams; the whole fetch ends after `timeoutMs`.
 */
export async function fetchRemoteFile(
  url: string,
  store: MediaStore,
  options: { dispatcher: Dispatcher; maxBytes: number; timeoutMs: number; maxRedirects: number },
): Promise<RemoteFile> {
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
      throw new RemoteFileError(`the file is larger than ${options.maxBytes} bytes`);
    }
    let stored: StoredBlob;
    try {
      stored = await store.put(answer.body, options.maxBytes);
    } catch (error) {
      discard(answer.body);
      if (signal.aborted) throw new RemoteFileError(`no complete answer within ${options.timeoutMs} ms`);
      throw error;
    }
    const contentType = String(answer.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    return { ...stored, contentType, fileName: fileNameOf(current) };
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

function fileNameOf(url: URL): string {
  try {
    return path.posix.basename(decodeURIComponent(url.pathname));
  } catch {
    return path.posix.basename(url.pathname);
  }
}
