import type { FastifyRequest } from "fastify";
import type { Instance } from "../messaging/instance.js";
import { FileTooLarge } from "../../media/media-store.js";
import { RemoteFileError } from "../../media/remote-file.js";
import { EmptyFile, megabytes, QuotaExceeded, UnknownFileLink, type MediaFile, type MediaService } from "../media/media.service.js";
import { badRequest, GreenApiError, validationFailed } from "./green-api.errors.js";
import { MalformedForm, readForm, UnexpectedFormFile } from "../../plugins/multipart-form.js";

/** What an upload method received: its form fields and its file, already stored. */
export interface ReceivedUpload {
  fields: Record<string, string>;
  file: MediaFile | undefined;
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
  return readForm(
    request,
    (part) => media.store(owner, part.file, { fileName: part.filename || namedInHeader || "", declaredType: part.mimetype }),
    (file) => media.remove(file.id),
  );
}

/**
 * A file problem in GREEN-API's words, as a 400: the input was wrong, not the server.
 * `url` is the file's URL for sendFileByUrl.
 */
export function fileProblem(error: unknown, url?: string): unknown {
  const from = url === undefined ? "File" : "File from url";
  const where = url === undefined ? "" : ` Url: ${url}`;
  if (error instanceof FileTooLarge) return badRequest(`${from} exceeded max upload size. Limit: ${megabytes(error.maxBytes)}mb${where}`);
  if (error instanceof QuotaExceeded) {
    return badRequest(`${from} exceeded the account's storage for files. Limit: ${megabytes(error.quotaBytes)}mb${where}`);
  }
  if (error instanceof EmptyFile) return validationFailed("'file' is not allowed to be empty");
  if (error instanceof UnexpectedFormFile) return validationFailed(`'${error.field}' is not allowed`);
  if (error instanceof MalformedForm) return new GreenApiError(400, "bad request data");
  if (error instanceof RemoteFileError || error instanceof UnknownFileLink) {
    return badRequest(`File from url could not be downloaded: ${error.message}.${where}`);
  }
  return error;
}
