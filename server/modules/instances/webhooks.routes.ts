import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  redeliveredResponseSchema,
  testNotificationResponseSchema,
  webhookOverviewResponseSchema,
  webhookSecretResponseSchema,
} from "../../../shared/webhooks.schemas.js";
import { AppError } from "../../errors.js";
import { requestOrigin, sessionOf } from "../../plugins/console-guard.js";
import type { WebhooksService } from "../messaging/webhooks.service.js";
import type { InstancesService } from "./instances.service.js";

const idParams = z.object({ idInstance: z.coerce.number().int().positive() });
const deadLetterParams = idParams.extend({ receiptId: z.coerce.number().int().positive() });

/** The instance page's Webhooks section under /api/console/instances/:idInstance/webhooks. */
export async function webhooksRoutes(
  parent: FastifyInstance,
  options: { instances: InstancesService; webhooks: WebhooksService },
): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { instances, webhooks } = options;
  const owned = (request: { params: { idInstance: number } } & Parameters<typeof sessionOf>[0]) =>
    instances.getOwned(sessionOf(request).user_id, request.params.idInstance);

  app.get(
    "/instances/:idInstance/webhooks",
    { schema: { params: idParams, response: { 200: webhookOverviewResponseSchema } } },
    async (request) => webhooks.overview(await owned(request)),
  );

  app.get(
    "/instances/:idInstance/webhooks/secret",
    { schema: { params: idParams, response: { 200: webhookSecretResponseSchema } } },
    async (request) => ({ signingSecret: await webhooks.revealSecret(await owned(request), requestOrigin(request)) }),
  );

  app.post(
    "/instances/:idInstance/webhooks/secret",
    { schema: { params: idParams, response: { 200: webhookSecretResponseSchema } } },
    async (request) => ({ signingSecret: await webhooks.rotateSecret(await owned(request), requestOrigin(request)) }),
  );

  app.post(
    "/instances/:idInstance/webhooks/resume",
    { schema: { params: idParams, response: { 200: webhookOverviewResponseSchema } } },
    async (request) => {
      const instance = await owned(request);
      await webhooks.resume(instance);
      return webhooks.overview(instance);
    },
  );

  app.post(
    "/instances/:idInstance/webhooks/test",
    { schema: { params: idParams, response: { 200: testNotificationResponseSchema } } },
    async (request) => ({ receiptId: await webhooks.sendTest(await owned(request)) }),
  );

  app.post(
    "/instances/:idInstance/webhooks/dead-letters/:receiptId/redeliver",
    { schema: { params: deadLetterParams, response: { 200: redeliveredResponseSchema } } },
    async (request) => {
      if (!(await webhooks.redeliver(await owned(request), request.params.receiptId))) throw new AppError("not_found");
      return { redelivered: 1 };
    },
  );

  app.post(
    "/instances/:idInstance/webhooks/dead-letters/redeliver",
    { schema: { params: idParams, response: { 200: redeliveredResponseSchema } } },
    async (request) => ({ redelivered: await webhooks.redeliverAll(await owned(request)) }),
  );
}
