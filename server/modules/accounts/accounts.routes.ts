import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  accountDeletionRequestSchema,
  accountResponseSchema,
  accountSessionsResponseSchema,
  endOtherSessionsResponseSchema,
  languageChangeRequestSchema,
  loginRequestSchema,
  passwordChangeRequestSchema,
  passwordResetRequestSchema,
  registrationRequestSchema,
} from "../../../shared/accounts.schemas.js";
import { clearSessionCookie, setSessionCookie } from "../../plugins/session-cookie.js";
import { requestOrigin, sessionOf } from "../../plugins/console-guard.js";
import type { AccountsService, SignedIn } from "./accounts.service.js";

/** The console's account routes, under /api/console. Thin: parse, call the service, answer. */
export async function accountsRoutes(parent: FastifyInstance, options: { accounts: AccountsService; isHttps: boolean }): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { accounts, isHttps } = options;

  const signIn = (reply: FastifyReply, signedIn: SignedIn) => {
    setSessionCookie(reply, isHttps, signedIn.session.token, signedIn.session.cookieMaxAgeSeconds);
    return { account: signedIn.account };
  };

  // A session that began with a temporary password must still learn who it is.
  app.get("/session", { config: { access: "password-change" }, schema: { response: { 200: accountResponseSchema } } }, async (request) => ({
    account: await accounts.describe(sessionOf(request)),
  }));

  app.post(
    "/registration",
    { config: { access: "public" }, schema: { body: registrationRequestSchema, response: { 201: accountResponseSchema } } },
    async (request, reply) => {
      const signedIn = await accounts.register(request.body, requestOrigin(request));
      return reply.status(201).send(signIn(reply, signedIn));
    },
  );

  app.post(
    "/login",
    { config: { access: "public" }, schema: { body: loginRequestSchema, response: { 200: accountResponseSchema } } },
    async (request, reply) => signIn(reply, await accounts.login(request.body, requestOrigin(request))),
  );

  app.post(
    "/password-reset",
    {
      config: { access: "public" },
      schema: { body: passwordResetRequestSchema, response: { 202: z.object({ ok: z.literal(true) }) } },
    },
    async (request, reply) => {
      await accounts.requestTemporaryPassword(request.body.email, requestOrigin(request));
      return reply.status(202).send({ ok: true as const });
    },
  );

  app.post("/logout", { config: { access: "public" } }, async (request, reply) => {
    if (request.session) await accounts.logout(request.session, requestOrigin(request));
    clearSessionCookie(reply, isHttps);
    return reply.status(204).send();
  });

  app.post(
    "/account/password",
    {
      config: { access: "password-change" },
      schema: { body: passwordChangeRequestSchema, response: { 200: accountResponseSchema } },
    },
    async (request, reply) => signIn(reply, await accounts.changePassword(sessionOf(request), request.body, requestOrigin(request))),
  );

  app.get("/account/sessions", { schema: { response: { 200: accountSessionsResponseSchema } } }, async (request) => ({
    sessions: await accounts.listSessions(sessionOf(request)),
  }));

  // Session ids are UUIDs: anything else is refused before it reaches the database.
  app.delete("/account/sessions/:id", { schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    await accounts.endSession(sessionOf(request), request.params.id, requestOrigin(request));
    return reply.status(204).send();
  });

  app.post("/account/sessions/end-others", { schema: { response: { 200: endOtherSessionsResponseSchema } } }, async (request) => ({
    ended: await accounts.endOtherSessions(sessionOf(request), requestOrigin(request)),
  }));

  app.post("/account/delete", { schema: { body: accountDeletionRequestSchema } }, async (request, reply) => {
    await accounts.deleteAccount(sessionOf(request), request.body.currentPassword, requestOrigin(request));
    clearSessionCookie(reply, isHttps);
    return reply.status(204).send();
  });

  app.get("/account/export", async (request, reply) => {
    const data = await accounts.exportData(sessionOf(request));
    const day = String(data.exportedAt).slice(0, 10);
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", `attachment; filename="switchboard-account-${day}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  app.put(
    "/account/language",
    { schema: { body: languageChangeRequestSchema, response: { 200: accountResponseSchema } } },
    async (request) => ({ account: await accounts.setLanguage(sessionOf(request).user_id, request.body.language) }),
  );
}
