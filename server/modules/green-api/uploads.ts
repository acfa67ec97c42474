import type { FastifyRequest } from "fastify";
import type { Instance } from "../messaging/instance.js";
import { FileTooLarge } from "../../media/media-store.js";
import { RemoteFileError } from "../../media/remote-file.js";
import { EmptyFile, QuotaExceeded, UnknownFileLink, type MediaFile, type MediaService } from "../media/media.service.js";
import { badRequest, validationFailed } from "./green-api.errors.js";

/** Form fields of an upload beside its file: GREEN-API's few, each a short text. */
const MAX_FIELDS = 20;
/** A caption may take 20,000 characters, 80 KB of UTF-8 at most. */
const MAX_FIELD_BYTES = 100 * 1024;

/** What an upload method received: its form fields and its file, already stored. */
export interface ReceivedUpload {
  fields: Record<string, string>;
  file: MediaFile | undefined;
}

/** Options of the multipart parser for this server's limits. */
export function multipartLimits(maxFileBytes: number) {
  return {
    // The media store enforces the file's limit while it streams, with its own error; the
    // parser's (which would cut the file short silently) sits safely above it.
    fileSize: maxFileBytes * 2 + 1,
    files: 1,
    fields: MAX_FIELDS,
    fieldSize: MAX_FIELD_BYTES,
    parts: MAX_FIELDS + 1,
  };
}

/** A header's value as a file name: GA-Filename may come percent-encoded. */
function headerFileName(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Reads an upload method's body: multipart form fields and a `file` part, or (uploadFile) the raw
 * bytes with their type in Content-Type or their name in GA-Filename. The file streams straight
 * into the media store; whatever goes wrong, nothing of it is kept.
 */
export async function receiveUpload(request: FastifyRequest, instance: Instance, media: MediaService): Promise<ReceivedUpload> {
  const owner = { userId: instance.userId, idInstance: instance.idInstance };
  const namedInHeader = headerFileName(request.headers["ga-filename"]);
  if (!request.isMultipart()) {
    const declaredSize = Number(request.headers["content-length"]);
    const file = await media.store(owner, request.raw, {
      ...(namedInHeader ? { fileName: namedInHeader } : {}),
      declaredType: request.headers["content-type"] ?? "",
      ...(Number.isFinite(declaredSize) ? { declaredSize } : {}),
    });
    return { fields: {}, file };
  }
  const fields: Record<string, string> = {};
  let file: MediaFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === "field") {
        fields[part.fieldname] = typeof part.value === "string" ? part.value : String(part.value);
      } else if (part.fieldname !== "file") {
        part.file.resume();
        throw validationFailed(`'${part.fieldname}' is not allowed`);
      } else {
        file = await media.store(owner, part.file, {
          fileName: part.filename || namedInHeader || "",
          declaredType: part.mimetype,
        });
      }
    }
  } catch (error) {
    if (file) await media.remove(file.id);
    throw error;
  }
  return { fields, file };
}

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 100) / 100}mb`;

/**
 * A file problem in GREEN-API's words, as a 400: the input was wrong, not the server.
 * `url` is the file's URL for sendFileByUrl.
 */
export function fileProblem(error: unknown, url?: string): unknown {
  const from = url === undefined ? "File" : "File from url";
  const where = url === undefined ? "" : ` Url: ${url}`;
  if (error instanceof FileTooLarge) return badRequest(`${from} exceeded max upload size. Limit: ${megabytes(error.maxBytes)}${where}`);
  if (error instanceof QuotaExceeded) {
    return badRequest(`${from} exceeded the account's storage for files. Limit: ${megabytes(error.quotaBytes)}${where}`);
  }
  if (error instanceof EmptyFile) return validationFailed("'file' is not allowed to be empty");
  if (error instanceof RemoteFileError || error instanceof UnknownFileLink) {
    return badRequest(`File from url could not be downloaded: ${error.message}.${where}`);
  }
  return error;
}
