import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";
import type { SessionsService } from "../modules/accounts/sessions.service.js";
import type { SessionRow } from "../modules/accounts/sessions.repository.js";
import { clearSessionCookie, sessionCookieName } from "./session-cookie.js";
import type { RequestOrigin } from "../modules/audit/audit.repository.js";

/**
 * Who may call a console route: "public" needs no session, "signed-in" needs a
 * full session, "password-change" also admits a session that began with a
 * temporary password (it may do nothing but set a new password and log out).
 */
export type Access = "public" | "signed-in" | "password-change";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    session: SessionRow | null;
  }
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function requestOrigin(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers["user-agent"];
  return { ip: request.ip, userAgent: typeof userAgent === "string" ? userAgent : "" };
}

/** Applies to the console API scope: Origin check, session lookup, access rules, no caching. */
export function registerConsoleGuard(
  app: FastifyInstance,
  options: { publicUrl: string; isHttps: boolean; sessions: SessionsService },
): void {
  app.decorateRequest("session", null);
  const cookieName = sessionCookieName(options.isHttps);

  app.addHook("onRequest", async (request, reply) => {
    // Answers may carry account data: never cached by the browser or a proxy.
    reply.header("cache-control", "no-store");
    if (UNSAFE_METHODS.has(request.method) && request.headers.origin !== options.publicUrl) {
      throw new AppError("origin_mismatch");
    }
  });

  app.addHook("preHandler", async (request, reply) => {
    const access = request.routeOptions.config.access ?? "signed-in";
    const token = request.cookies[cookieName];
    if (token) {
      const valid = await options.sessions.validate(token);
      if (valid) request.session = valid;
      else clearSessionCookie(reply, options.isHttps);
    }
    if (access === "public") return;
    if (!request.session) throw new AppError("not_signed_in");
    if (access === "signed-in" && request.session.temporary_password_id) {
      throw new AppError("password_change_required");
    }
  });
}

/** The session of a route that is not public; the guard has already checked it. */
export function sessionOf(request: FastifyRequest): SessionRow {
  if (!request.session) throw new AppError("not_signed_in");
  return request.session;
}
