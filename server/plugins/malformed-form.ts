import type { FastifyRequest } from "fastify";

/**
 * Whether an error is a multipart form the parser could not read (no boundary, a part header
 * broken, the form cut short): the client's fault, answered as bad input. The form parser throws
 * plain Errors; what fails beneath it (a full disk, the database) carries a code, and a fault of
 * ours is a TypeError or the like, so neither is mistaken for it.
 */
export function isMalformedForm(request: FastifyRequest, error: unknown): boolean {
  const isForm = (request.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/");
  return isForm && error instanceof Error && error.constructor === Error && !("code" in error) && !("statusCode" in error);
}
