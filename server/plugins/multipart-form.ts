import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";

/** A multipart form the parser could not read (no boundary, a broken part header, cut short): the client's fault. */
export class MalformedForm extends Error {
  constructor(cause: unknown) {
    super("the form could not be read", { cause });
    this.name = "MalformedForm";
  }
}

/** A file part under a name other than `file`. */
export class UnexpectedFormFile extends Error {
  constructor(readonly field: string) {
    super(`unexpected file field '${field}'`);
    this.name = "UnexpectedFormFile";
  }
}

/** The parser's limits for a form of short text fields and one file. */
export function multipartLimits(maxFileBytes: number) {
  return {
    // The media store enforces the file's limit while it streams, with its own error; the
    // parser's (which would cut the file short silently) sits safely above it.
    fileSize: maxFileBytes * 2 + 1,
    files: 1,
    fields: 20,
    // A caption may take 20,000 characters, 80 KB of UTF-8 at most.
    fieldSize: 100 * 1024,
    parts: 21,
  };
}

/**
 * Reads a form of text fields and one file part named `file`, which `keep` streams where it
 * goes; `discard` undoes it when the rest of the form fails. The parser's own failures, in the
 * parts or inside the file's stream, become MalformedForm; another file part, UnexpectedFormFile.
 */
export async function readForm<Kept>(
  request: FastifyRequest,
  keep: (part: MultipartFile) => Promise<Kept>,
  discard: (kept: Kept) => Promise<void>,
): Promise<{ fields: Record<string, string>; file: Kept | undefined }> {
  const fields: Record<string, string> = {};
  let file: Kept | undefined;
  const parserFailures = new WeakSet<object>();
  const parts = request.parts()[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Awaited<ReturnType<typeof parts.next>>["value"]>;
      try {
        next = await parts.next();
      } catch (error) {
        // The parser's limits (too many files or fields) carry their HTTP status; anything else is a broken form.
        throw isClientError(error) ? error : new MalformedForm(error);
      }
      if (next.done) break;
      const part = next.value;
      if (part.type === "field") {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== "file") {
        part.file.resume();
        throw new UnexpectedFormFile(part.fieldname);
      }
      part.file.once("error", (error: unknown) => {
        if (typeof error === "object" && error !== null) parserFailures.add(error);
      });
      try {
        file = await keep(part);
      } catch (error) {
        throw typeof error === "object" && error !== null && parserFailures.has(error) && !isClientError(error)
          ? new MalformedForm(error)
          : error;
      }
    }
  } catch (error) {
    if (file !== undefined) await discard(file);
    throw error;
  }
  return { fields, file };
}

function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
