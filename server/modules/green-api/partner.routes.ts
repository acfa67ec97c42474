import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../errors.js";
import { requestOrigin } from "../../plugins/console-guard.js";
import type { Instance } from "../messaging/instance.js";
import { setSettingsSchema } from "../messaging/settings.js";
import { WebhookUrlRefused, type MessagingService } from "../messaging/messaging.service.js";
import type { InstancesService } from "../instances/instances.service.js";
import type { PartnersService } from "../partners/partners.service.js";
import { badRequest, notFound, parseOrThrow, tooManyRequests, validationFailed } from "./green-api.errors.js";

/** What the partner API answers in a 200 when it cannot do what was asked, as GREEN-API's does. */
const UNAUTHORIZED = { code: 401, description: "Unauthorized" };
const NOT_FOUND = { code: 404, description: "Not found" };
/** Requests a second per account and partner method: each getInstances opens every token, each call is audited. */
const PARTNER_RPS = 5;
/** GREEN-API's form of a time in the partner API; "never" is the year 1. */
const NEVER = "0001-01-01T00:00:00";

const instanceName = z.object({ name: z.string().trim().min(1).max(100) });
const deleteInstanceBody = z.strictObject({ idInstance: z.number().int().positive() });

function partnerTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

interface PartnerParams {
  method: string;
  partnerToken: string;
}

/**
 * The partner API, `/partner/{method}/{partnerToken}`: getInstances, createInstance and
 * deleteInstanceAccount over the instances of the account the token belongs to. Failures of the
 * token or of the instance named answer 200 with `{code, description}`, as GREEN-API's do.
 */
export function registerPartnerRoutes(
  app: FastifyInstance,
  options: {
    partners: PartnersService;
    instances: InstancesService;
    messaging: MessagingService;
    publicUrl: string;
    bodyLimit: number;
    /** The API's rate limiter: whether one more request of this key fits in this second. */
    allow: (key: string, perSecond: number) => boolean | Promise<boolean>;
  },
  answerHeaders: Record<string, string>,
): void {
  const { partners, instances, messaging, publicUrl } = options;

  async function view(instance: Instance, request: FastifyRequest) {
    return {
      idInstance: instance.idInstance,
      name: instance.name,
      typeInstance: messaging.typeInstance(instance),
      typeAccount: "instance",
      partnerUserUiid: instance.userId,
      timeCreated: partnerTime(instance.createdAt),
      timeDeleted: NEVER,
      apiTokenInstance: await instances.revealToken(instance, requestOrigin(request)),
      deleted: false,
      // Switchboard has no plans: every instance is whole and never expires.
      tariff: "BUSINESS",
      isFree: false,
      isPartner: true,
      expirationDate: NEVER,
      isExpired: false,
    };
  }

  /** An instance deleted between the list and its token's reveal is left out, as if listed a moment later. */
  async function viewUnlessGone(instance: Instance, request: FastifyRequest) {
    try {
      return await view(instance, request);
    } catch (error) {
      if (!(await messaging.find(instance.idInstance))) return undefined;
      throw error;
    }
  }

  const methods: Record<string, { verb: "GET" | "POST"; run: (userId: string, request: FastifyRequest) => Promise<unknown> }> = {
    getinstances: {
      verb: "GET",
      run: async (userId, request) => {
        const listed = await Promise.all((await instances.list(userId)).map((instance) => viewUnlessGone(instance, request)));
        return listed.filter((entry) => entry !== undefined);
      },
    },
    createinstance: {
      verb: "POST",
      run: async (userId, request) => {
        // A name and any setSettings fields, at least one of them; all checked before anything is made.
        const raw = request.body;
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badRequest("bad request data");
        const { name: givenName, ...settingsGiven } = raw as Record<string, unknown>;
        if (givenName === undefined && Object.keys(settingsGiven).length === 0) throw validationFailed("'value' must have at least 1 key");
        const name = givenName === undefined ? undefined : parseOrThrow(instanceName, { name: givenName }).name;
        const settings = Object.keys(settingsGiven).length > 0 ? parseOrThrow(setSettingsSchema, settingsGiven) : undefined;
        try {
          if (settings?.webhookUrl) await messaging.refuseUnreachableWebhookUrl(settings.webhookUrl);
        } catch (error) {
          if (error instanceof WebhookUrlRefused) throw validationFailed(`'webhookUrl' is refused: ${error.reason}`);
          throw error;
        }
        let instance: Instance;
        try {
          instance = await instances.create(userId, name ?? "Partner instance", requestOrigin(request));
        } catch (error) {
          if (error instanceof AppError && error.code === "quota_exceeded") return { code: 403, description: error.message };
          throw error;
        }
        if (settings) {
          try {
            await messaging.updateSettings(instance, settings);
          } catch (error) {
            // Checked above already; should the address's answer change meanwhile, nothing half-made stays.
            await instances.delete(instance, requestOrigin(request));
            if (error instanceof WebhookUrlRefused) throw validationFailed(`'webhookUrl' is refused: ${error.reason}`);
            throw error;
          }
        }
        return {
          idInstance: instance.idInstance,
          apiTokenInstance: await instances.revealToken(instance, requestOrigin(request)),
          typeInstance: messaging.typeInstance(instance),
          // Not in GREEN-API's answer yet (a long-standing request there): where to call the instance.
          apiUrl: publicUrl,
          mediaUrl: publicUrl,
        };
      },
    },
    deleteinstanceaccount: {
      verb: "POST",
      run: async (userId, request) => {
        const { idInstance } = parseOrThrow(deleteInstanceBody, request.body);
        let instance: Instance;
        try {
          instance = await instances.getOwned(userId, idInstance);
        } catch (error) {
          if (error instanceof AppError && error.code === "not_found") return NOT_FOUND;
          throw error;
        }
        await instances.delete(instance, requestOrigin(request));
        return { deleteInstanceAccount: true };
      },
    },
  };

  const handle = async (request: FastifyRequest<{ Params: PartnerParams }>, reply: FastifyReply) => {
    reply.headers(answerHeaders);
    if (request.method === "OPTIONS") return reply.status(204).send();
    const name = request.params.method.toLowerCase();
    const method = methods[name];
    if (!method || method.verb !== request.method) throw notFound();
    const userId = await partners.authenticate(request.params.partnerToken);
    if (userId !== undefined && !(await options.allow(`partner:${userId}:${name}`, PARTNER_RPS))) throw tooManyRequests();
    const result = userId === undefined ? UNAUTHORIZED : await method.run(userId, request);
    return reply.type("application/json; charset=utf-8").send(JSON.stringify(result));
  };
  app.route({
    method: ["GET", "POST", "OPTIONS", "DELETE", "PUT", "PATCH"],
    url: "/partner/:method/:partnerToken",
    bodyLimit: options.bodyLimit,
    handler: handle,
  });
}
