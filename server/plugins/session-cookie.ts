import type { FastifyReply } from "fastify";

/** Under https the __Host- prefix pins the cookie to this exact origin, Secure and path "/". */
export function sessionCookieName(isHttps: boolean): string {
  return isHttps ? "__Host-switchboard_session" : "switchboard_session";
}

export function setSessionCookie(reply: FastifyReply, isHttps: boolean, token: string, maxAgeSeconds: number | undefined): void {
  reply.setCookie(sessionCookieName(isHttps), token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: isHttps,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearSessionCookie(reply: FastifyReply, isHttps: boolean): void {
  reply.clearCookie(sessionCookieName(isHttps), { path: "/", httpOnly: true, sameSite: "lax", secure: isHttps });
}
