import type { FastifyInstance } from "fastify";
import { WebhookUrlRefused } from "../messaging/messaging.service.js";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createInstanceRequestSchema,
  instanceListResponseSchema,
  instanceQrResponseSchema,
  instanceResponseSchema,
  instanceTokenResponseSchema,
  pairingCodeRequestSchema,
  pairingCodeResponseSchema,
} from "../../../shared/instances.schemas.js";
import { AppError } from "../../errors.js";
import { requestOrigin, sessionOf } from "../../plugins/console-guard.js";
import { setSettingsSchema } from "../messaging/settings.js";
import type { InstancesService } from "./instances.service.js";

const idParams = z.object({ idInstance: z.coerce.number().int().positive() });

/** The console's instance routes under /api/console/instances. Each checks ownership first. */
export async function instancesRoutes(parent: FastifyInstance, options: { instances: InstancesService }): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { instances } = options;
  const owned = (request: { params: { idInstance: number } } & Parameters<typeof sessionOf>[0]) =>
    instances.getOwned(sessionOf(request).user_id, request.params.idInstance);

  app.get("/instances", { schema: { response: { 200: instanceListResponseSchema } } }, async (request) => ({
    instances: (await instances.list(sessionOf(request).user_id)).map((row) => instances.summary(row)),
  }));

  app.post(
    "/instances",
    { schema: { body: createInstanceRequestSchema, response: { 201: instanceResponseSchema } } },
    async (request, reply) => {
      const instance = await instances.create(sessionOf(request).user_id, request.body.name, requestOrigin(request));
      return reply.status(201).send({ instance: instances.details(instance) });
    },
  );

  app.get("/instances/:idInstance", { schema: { params: idParams, response: { 200: instanceResponseSchema } } }, async (request) => ({
    instance: instances.details(await owned(request)),
  }));

  app.get(
    "/instances/:idInstance/token",
    { schema: { params: idParams, response: { 200: instanceTokenResponseSchema } } },
    async (request) => ({ apiTokenInstance: await instances.revealToken(await owned(request), requestOrigin(request)) }),
  );

  app.post(
    "/instances/:idInstance/token",
    { schema: { params: idParams, response: { 200: instanceTokenResponseSchema } } },
    async (request) => ({ apiTokenInstance: await instances.rotateToken(await owned(request), requestOrigin(request)) }),
  );

  app.post(
    "/instances/:idInstance/reboot",
    { schema: { params: idParams, response: { 200: instanceResponseSchema } } },
    async (request) => ({ instance: instances.details(await instances.reboot(await owned(request))) }),
  );

  app.post(
    "/instances/:idInstance/logout",
    { schema: { params: idParams, response: { 200: instanceResponseSchema } } },
    async (request) => {
      const instance = await owned(request);
      await instances.logout(instance);
      return { instance: instances.details(await instances.getOwned(instance.userId, request.params.idInstance)) };
    },
  );

  app.delete("/instances/:idInstance", { schema: { params: idParams } }, async (request, reply) => {
    await instances.delete(await owned(request), requestOrigin(request));
    return reply.status(204).send();
  });

  app.get("/instances/:idInstance/settings", { schema: { params: idParams } }, async (request) => instances.settings(await owned(request)));

  app.put("/instances/:idInstance/settings", { schema: { params: idParams } }, async (request) => {
    const instance = await owned(request);
    const parsed = setSettingsSchema.safeParse(request.body);
    if (!parsed.success) {
      const fields: Record<string, "invalid" | "required"> = {};
      for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? "settings")] = "invalid";
      throw new AppError("validation_failed", fields);
    }
    try {
      await instances.updateSettings(instance, parsed.data);
    } catch (error) {
      if (error instanceof WebhookUrlRefused)
        throw new AppError("validation_failed", { webhookUrl: "address_refused" }, `webhookUrl refused: ${error.reason}`);
      throw error;
    }
    return { saveSettings: true };
  });

  app.get("/instances/:idInstance/qr", { schema: { params: idParams, response: { 200: instanceQrResponseSchema } } }, async (request) =>
    instances.qr(await owned(request)),
  );

  app.post(
    "/instances/:idInstance/pairing-code",
    { schema: { params: idParams, body: pairingCodeRequestSchema, response: { 200: pairingCodeResponseSchema } } },
    async (request) => instances.pairingCode(await owned(request), request.body.phoneNumber),
  );
}
