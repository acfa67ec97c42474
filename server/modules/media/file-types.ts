import path from "node:path";
import { fileTypeFromBuffer } from "file-type";
import mime from "mime-types";

/** Bytes of a file's head that content detection reads. */
export const SNIFF_BYTES = 4_100;

const UNKNOWN_TYPE = "application/octet-stream";

/** The message type a file travels as, decided by its media type as GREEN-API decides it. */
export type FileMessageType = "imageMessage" | "videoMessage" | "audioMessage" | "documentMessage";

/** Images WhatsApp shows as photos; any other image (SVG, TIFF…) travels as a document. */
const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export function messageTypeOf(mimeType: string): FileMessageType {
  if (PHOTO_TYPES.has(mimeType)) return "imageMessage";
  if (mimeType.startsWith("video/")) return "videoMessage";
  if (mimeType.startsWith("audio/")) return "audioMessage";
  return "documentMessage";
}

/** The bare media type of a Content-Type header: "image/png; x=y" → "image/png"; "" when none or malformed. */
export function bareMediaType(contentType: string | undefined): string {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  // At most 127 characters each side of the slash, as RFC 6838 allows.
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(type) ? type : "";
}

/** The media type a name's extension says, when it says one. */
export function typeOfName(fileName: string): string | undefined {
  return (path.extname(fileName) && mime.lookup(fileName)) || undefined;
}

/**
 * A file's media type, decided as GREEN-API decides it: the extension of its name first, then
 * what its first bytes are, then the type the sender declared; unknown files are
 * application/octet-stream.
 */
export async function detectMediaType(fileName: string, readHead: () => Promise<Buffer>, declared: string): Promise<string> {
  const byExtension = typeOfName(fileName);
  if (byExtension) return byExtension;
  // The file's first bytes are read only when its name does not decide.
  const byContent = await fileTypeFromBuffer(await readHead());
  if (byContent) return byContent.mime;
  return declared && declared !== UNKNOWN_TYPE ? declared : UNKNOWN_TYPE;
}

/** The extension a name gets when it has none: from the media type, ".bin" when unknown. */
export function extensionFor(mimeType: string): string {
  return mime.extension(mimeType) || "bin";
}

/**
 * A file name safe to keep and show: the last path segment only, no control characters or direction marks, at most
 * 200 characters (the extension kept); "" when nothing is left.
 */
export function cleanFileName(name: string): string {
  // Control characters, and the direction marks that can make an .exe look like a .jpg.
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[/\\]/).pop() ?? "").replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim();
  if (base === "." || base === "..") return "";
  if (base.length <= 200) return base;
  const extension = path.extname(base).slice(0, 20);
  return base.slice(0, 200 - extension.length) + extension;
}
