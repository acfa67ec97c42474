import type { FastifyServerOptions } from "fastify";

const REDACTED = "[redacted]";

/**
 * A hex digit, plain or percent-encoded (also as %25…, encoded again), so that an
 * encoded token is found too. Tokens are 50 hex characters; 32 catches them and
 * any other key-like run, and nothing the routes carry (ids, phones) is that long.
 */
const HEX_RUN = /(?:[0-9a-f]|%(?:25)*(?:3[0-9]|4[1-6]|6[1-6])){32,}/gi;

/** Query parameters whose values are secrets, whatever their exact spelling. */
const SECRET_PARAMETER = /token|secret|password/i;

function decodedLower(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " ")).toLowerCase();
  } catch {
    return text.toLowerCase();
  }
}

/** A file's link (/media/{id}.{signature}/{name}) opens the file for whoever holds it: its token is a secret. */
const MEDIA_LINK_TOKEN = /(\/media\/)[^/\s"'?]+/gi;

/** In a path with a `waInstance` segment, the first non-empty segment after the method is the token's place. */
function redactTokenSegment(path: string): string {
  const segments = path.split("/");
  const start = segments.findIndex((segment) => decodedLower(segment).includes("wainstance"));
  if (start < 0) return path;
  let filled = 0;
  for (let index = start + 1; index < segments.length; index++) {
    if (segments[index] === "") continue;
    if (++filled === 2) {
      // A message quoting the URL goes on after a space; the rest of it stays readable.
      segments[index] = segments[index]!.replace(/^[^\s"']+/, REDACTED);
      break;
    }
  }
  return segments.join("/");
}

function redactSecretParameters(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      if (equals < 0 || equals === pair.length - 1) return pair;
      return SECRET_PARAMETER.test(decodedLower(pair.slice(0, equals))) ? `${pair.slice(0, equals + 1)}${REDACTED}` : pair;
    })
    .join("&");
}

/**
 * The compatible API carries the token in its path, and clients get URLs wrong in
 * many ways: whatever the shape, a logged URL never holds a token.
 */
export function redactApiToken(url: string): string {
  const queryAt = url.indexOf("?");
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? undefined : url.slice(queryAt + 1);
  const shaped =
    redactTokenSegment(path).replace(MEDIA_LINK_TOKEN, `$1${REDACTED}`) + (query === undefined ? "" : `?${redactSecretParameters(query)}`);
  return shaped.replace(HEX_RUN, REDACTED);
}

export function loggerOptions(level: string): FastifyServerOptions["logger"] {
  return {
    level,
    serializers: {
      req: (request: { method: string; url: string; ip?: string; id?: string }) => ({
        method: request.method,
        url: redactApiToken(request.url),
        remoteAddress: request.ip,
      }),
    },
    // Some of the framework's messages quote the raw URL ("Route … not found").
    hooks: {
      logMethod(args, method) {
        // Shorter strings cannot hold a token; the common messages skip the work.
        const redacted = args.map((arg: unknown) =>
          typeof arg === "string" && arg.length >= 32 ? redactApiToken(arg) : arg,
        ) as typeof args;
        method.apply(this, redacted);
      },
    },
    // Cookies and tokens never reach a log line.
    redact: { paths: ["req.headers.cookie", "req.headers.authorization", 'res.headers["set-cookie"]'], censor: "[redacted]" },
  };
}
