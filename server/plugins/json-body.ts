import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";

/** Objects and arrays nested deeper than this are refused: no request needs more, and deep values overflow the stack later. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether JSON text nests objects/arrays deeper than `limit`; one pass, brackets inside strings do not count. */
export function isNestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * The console answers it as `invalid_json` with its own message; the compatible API's
 * error handler reads the status and message, as it does for Fastify's client errors.
 */
export class JsonTooDeepError extends AppError {
  readonly statusCode = 400;
  constructor() {
    super("invalid_json", undefined, `The request body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays.`);
  }
}

type BodyParser = (request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) => void;

/** Fastify's own JSON parsing (its prototype-poisoning checks stay), refusing bodies nested too deeply first. */
export function createJsonTextParser(app: FastifyInstance): BodyParser {
  const parse = app.getDefaultJsonParser("error", "error");
  return (request, text, done) => {
    if (isNestedDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(), undefined);
      return;
    }
    parse(request, text, done);
  };
}

/** Replaces the JSON body parser for the whole app; call it on the root instance before any route. */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = createJsonTextParser(app);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => parse(request, body.toString(), done));
}
