import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { partnerTokenResponseSchema, partnerViewSchema } from "../../../shared/accounts.schemas.js";
import { AppError } from "../../errors.js";
import { requestOrigin, sessionOf } from "../../plugins/console-guard.js";
import type { PartnersService } from "./partners.service.js";

/** The Account tab's partner API card: its URL, and the token to create, rotate and reveal. */
export async function partnersRoutes(parent: FastifyInstance, options: { partners: PartnersService }): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { partners } = options;

  app.get("/account/partner", { schema: { response: { 200: partnerViewSchema } } }, async (request) =>
    partners.view(sessionOf(request).user_id),
  );

  app.post("/account/partner/token", { schema: { response: { 200: partnerTokenResponseSchema } } }, async (request) => {
    const partnerToken = await partners.create(sessionOf(request).user_id, requestOrigin(request));
    // Made meanwhile in another tab: creating again must not replace a token a program may use.
    if (partnerToken === undefined) throw new AppError("already_exists", undefined, "The account has a partner token already.");
    return { partnerToken };
  });

  app.post("/account/partner/token/rotate", { schema: { response: { 200: partnerTokenResponseSchema } } }, async (request) => ({
    partnerToken: await partners.rotate(sessionOf(request).user_id, requestOrigin(request)),
  }));

  app.get("/account/partner/token", { schema: { response: { 200: partnerTokenResponseSchema } } }, async (request) => {
    const partnerToken = await partners.reveal(sessionOf(request).user_id, requestOrigin(request));
    if (partnerToken === undefined) throw new AppError("not_found");
    return { partnerToken };
  });
}
