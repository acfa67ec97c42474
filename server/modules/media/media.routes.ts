import type { FastifyInstance } from "fastify";
import { create as contentDisposition } from "content-disposition";
import parseRange from "range-parser";
import type { MediaService } from "./media.service.js";

/** Shown in the page rather than downloaded: what browsers play or display without running anything. */
const INLINE_TYPES = /^(image\/(jpeg|png|gif|webp)|video\/[\w.+-]+|audio\/[\w.+-]+)$/;

/**
 * GET/HEAD /media/{token}/{name}: a file's bytes by its signed link, without a session, as
 * GREEN-API's links work. The answer says nothing but the file: no account, no instance. Whole
 * files and single byte ranges (players seek in video and audio); the bytes stream from the store.
 */
export async function mediaRoutes(app: FastifyInstance, options: { media: MediaService }): Promise<void> {
  const { media } = options;

  // The name is a wildcard: names run up to 200 characters, past the router's limit for a parameter.
  app.route<{ Params: { token: string; "*": string } }>({
    method: ["GET", "HEAD"],
    url: "/media/:token/*",
    handler: async (request, reply) => {
      // A stored file must never run as a page of this origin: no sniffing, no scripts, no frames.
      reply.headers({
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "referrer-policy": "no-referrer",
        "access-control-allow-origin": "*",
      });
      const notFound = () => reply.status(404).header("cache-control", "no-store").type("text/plain; charset=utf-8").send("Not Found");
      const link = await media.openLink(request.params.token);
      if (!link) return notFound();
      const { file } = link;
      const etag = `"${file.sha256.slice(0, 32)}"`;
      // The link is a secret of whoever holds it: shared caches keep nothing, and no copy outlives the file.
      const caching = { etag, "cache-control": `private, max-age=${media.secondsLeft(file)}` };
      if (request.headers["if-none-match"] === etag) return reply.status(304).headers(caching).send();

      const rangeHeader = request.headers.range;
      // A range applies only to the version it was asked of: If-Range with another tag gets the whole file.
      const ifRange = request.headers["if-range"];
      const ranges = rangeHeader && (!ifRange || ifRange === etag) ? parseRange(file.size, rangeHeader, { combine: true }) : undefined;
      if (ranges === -1) {
        return reply.status(416).header("content-range", `bytes */${file.size}`).send();
      }
      // One range is served as asked; several (rare, and costly to answer) get the whole file, as HTTP allows.
      const range = Array.isArray(ranges) && ranges.type === "bytes" && ranges.length === 1 ? ranges[0] : undefined;
      // Opened before anything about the file is said: bytes gone from the store are a plain 404 (HEAD too).
      const bytes = await link.read(range);
      if (!bytes) return notFound();
      reply.headers({
        ...caching,
        "content-type": file.mimeType,
        "content-disposition": contentDisposition(file.fileName, { type: INLINE_TYPES.test(file.mimeType) ? "inline" : "attachment" }),
        "accept-ranges": "bytes",
        "content-length": String(range ? range.end - range.start + 1 : file.size),
      });
      if (range) reply.status(206).header("content-range", `bytes ${range.start}-${range.end}/${file.size}`);
      if (request.method === "HEAD") {
        bytes.destroy();
        return reply.send();
      }
      return reply.send(bytes);
    },
  });
}
