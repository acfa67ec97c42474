import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import multipart from "@fastify/multipart";
import { findApiMethod } from "../../../shared/green-api-methods.js";
import { forbidden, GreenApiError, notFound, tooManyRequests, unauthorized } from "./green-api.errors.js";
import { EMPTY_ANSWER, type GreenApiServices, type MethodHandler } from "./method-context.js";
import { accountMethods } from "./methods/account.js";
import { queueMethods } from "./methods/queues.js";
import { journalMethods, receivingMethods } from "./methods/receiving.js";
import { sendingMethods } from "./methods/sending.js";
import { serviceMethods } from "./methods/service.js";
import { fileMethods } from "./methods/files.js";
import { buttonMethods } from "./methods/buttons.js";
import { editMethods } from "./methods/edits.js";
import { registerPartnerRoutes } from "./partner.routes.js";
import type { PartnersService } from "../partners/partners.service.js";
import type { InstancesService } from "../instances/instances.service.js";
import { fileProblem, receiveUpload, type ReceivedUpload } from "./uploads.js";
import { createRateLimiter } from "./rate-limiter.js";
import { requestOrigin } from "../../plugins/console-guard.js";
import { createJsonTextParser } from "../../plugins/json-body.js";
import { multipartLimits } from "../../plugins/multipart-form.js";

const handlers: Record<string, MethodHandler> = {
  ...accountMethods,
  ...sendingMethods,
  ...receivingMethods,
  ...journalMethods,
  ...queueMethods,
  ...serviceMethods,
  ...fileMethods,
  ...buttonMethods,
  ...editMethods,
};

/** A 20,000-character message can take 80 KB of UTF-8: the API allows more than the console (files aside: they stream). */
const API_BODY_LIMIT = 1024 * 1024;

/** A body as text, refused past `limit` bytes while it arrives. */
async function readText(payload: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > limit) throw new GreenApiError(413, "Request Entity Too Large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "Content-Type, GA-Filename",
  "access-control-max-age": "86400",
};
/** Answers carry tokens and account data: no browser or proxy may keep them. */
const NO_STORE = { "cache-control": "no-store" };
const EVERY_ANSWER_HEADERS = { ...CORS_HEADERS, ...NO_STORE };

interface ApiParams {
  idInstance: string;
  method: string;
  apiTokenInstance: string;
  receiptId?: string;
}

function sendError(reply: FastifyReply, error: GreenApiError) {
  return reply.status(error.status).headers(EVERY_ANSWER_HEADERS).headers(error.headers).type("text/plain; charset=utf-8").send(error.text);
}

/** The GREEN-API-compatible surface: /waInstance{id}/{method}/{token}[/{receiptId}]. */
export async function greenApiRoutes(
  app: FastifyInstance,
  options: {
    services: GreenApiServices;
    hasRateLimits: boolean;
    redisUrl?: string | undefined;
    /** The partner API: the account a partner token names, and its instances. */
    partner: { partners: PartnersService; instances: InstancesService; publicUrl: string };
  },
): Promise<void> {
  const { services, hasRateLimits, redisUrl } = options;
  // With REDIS_URL every node counts against one shared limit; without it, or without limits, in this process.
  const limiter = await createRateLimiter({ redisUrl: hasRateLimits ? redisUrl : undefined, log: app.log });
  app.addHook("onClose", () => limiter.close());
  // Long polls end when the server closes, rather than holding the shutdown for up to 60 s.
  const polls = new Set<AbortController>();
  let isClosing = false;
  app.addHook("preClose", async () => {
    isClosing = true;
    for (const poll of polls) poll.abort();
  });

  // Upload methods take multipart forms and raw bytes, streamed to the media store; any other
  // method still takes JSON only.
  await app.register(multipart, { limits: multipartLimits(services.media.limits.maxFileBytes), throwFileSizeLimit: true });
  const isRawUpload = (request: FastifyRequest) => findApiMethod((request.params as Partial<ApiParams>).method ?? "")?.upload === "raw";
  // uploadFile's body is the file, whatever its type (a .json or .txt file too): left unread for the method to stream.
  const parseJson = createJsonTextParser(app);
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser(["application/json", "text/plain"], (request, payload, done) => {
    if (isRawUpload(request)) return done(null, undefined);
    if (Number(request.headers["content-length"]) > API_BODY_LIMIT)
      return done(new GreenApiError(413, "Request Entity Too Large"), undefined);
    const isJson = (request.headers["content-type"] ?? "").toLowerCase().includes("json");
    readText(payload, API_BODY_LIMIT).then(
      (text) => (isJson ? parseJson(request, text, done) : done(null, text)),
      (error: Error) => done(error, undefined),
    );
  });
  app.addContentTypeParser("*", (request, _payload, done) => {
    // An unknown method is the handler's 404, whatever its body (the partner API's methods are not the
    // instance API's); a known one takes JSON unless it takes a file.
    const isPartner = request.routeOptions.url?.startsWith("/partner/") ?? false;
    const method = isPartner ? undefined : findApiMethod((request.params as Partial<ApiParams>).method ?? "");
    if (!method || method.upload === "raw") done(null, undefined);
    else done(new GreenApiError(415, "Unsupported Media Type"), undefined);
  });

  // Errors here answer in GREEN-API's words, as text, never the console's JSON shape.
  app.setErrorHandler((error: FastifyError | GreenApiError, request, reply) => {
    const problem = fileProblem(error);
    if (problem instanceof GreenApiError) return sendError(reply, problem);
    if (error instanceof GreenApiError) return sendError(reply, error);
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(reply, new GreenApiError(413, "Request Entity Too Large"));
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return sendError(reply, new GreenApiError(415, "Unsupported Media Type"));
    if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      return sendError(reply, new GreenApiError(400, error.message));
    }
    if (error.statusCode && error.statusCode < 500) return sendError(reply, new GreenApiError(error.statusCode, error.message));
    request.log.error({ err: error }, "API method failed");
    return sendError(reply, new GreenApiError(500, "Internal Server Error"));
  });

  const handle = async (request: FastifyRequest<{ Params: ApiParams }>, reply: FastifyReply) => {
    // Browsers may call the API from any page, as GREEN-API allows.
    reply.headers(EVERY_ANSWER_HEADERS);
    if (request.method === "OPTIONS") return reply.status(204).send();
    const { idInstance, method: methodName, apiTokenInstance, receiptId } = request.params;
    const method = findApiMethod(methodName);
    // A wrong verb is 404, as is an unknown method; only deleteNotification takes a fourth segment.
    if (!method || method.verb !== request.method || (receiptId !== undefined) !== Boolean(method.takesReceiptId)) {
      throw notFound();
    }
    if (!/^\d{1,15}$/.test(idInstance)) throw forbidden();
    const instance = await services.messaging.authenticate(Number(idInstance), apiTokenInstance);
    if (instance === "unknown") throw forbidden();
    if (instance === "bad-token") throw unauthorized();
    if (hasRateLimits) {
      // The in-process limiter answers at once: awaiting only a shared one's answer keeps a turn off the hot path.
      const allowed = limiter.allow(`${idInstance}:${method.name}`, method.rps);
      if (!(typeof allowed === "boolean" ? allowed : await allowed)) throw tooManyRequests();
    }

    // Only a long poll needs to know that its client left.
    const aborted = method.name === "receiveNotification" ? new AbortController() : undefined;
    if (aborted) {
      polls.add(aborted);
      request.raw.once("close", () => {
        if (!reply.sent) aborted.abort();
      });
    }
    const handler = handlers[method.name];
    if (!handler) throw notFound();
    // Only upload methods take a form (sendFileByUpload nothing else); JSON methods refuse one as any other type.
    if (request.isMultipart() ? !method.upload : method.upload === "multipart") throw new GreenApiError(415, "Unsupported Media Type");
    const upload: ReceivedUpload | undefined = method.upload ? await receiveUpload(request, instance, services.media) : undefined;
    let result: unknown;
    try {
      result = await handler(
        {
          instance,
          body: upload ? upload.fields : request.body,
          query: request.query as Record<string, string | undefined>,
          receiptId,
          origin: requestOrigin(request),
          signal: aborted?.signal,
          upload: upload?.file,
        },
        services,
      );
    } catch (error) {
      // A refused upload keeps nothing: its file goes with the error.
      if (upload?.file) await services.media.remove(upload.file.id);
      throw error;
    } finally {
      if (aborted) polls.delete(aborted);
    }
    // A kept-alive connection would hold the shutdown open: the client gets this answer and reconnects.
    if (isClosing) reply.header("connection", "close");
    if (result === EMPTY_ANSWER) return reply.status(200).send();
    // `null` must reach the client as the JSON literal: an empty notification queue.
    return reply.type("application/json; charset=utf-8").send(JSON.stringify(result ?? null));
  };

  const methods = ["GET", "POST", "DELETE", "OPTIONS", "PUT", "PATCH"] as const;
  // GREEN-API also answers under /v3: the same methods, the same answers.
  for (const prefix of ["", "/v3"]) {
    for (const tail of ["", "/:receiptId"]) {
      app.route({
        method: [...methods],
        url: `${prefix}/waInstance:idInstance/:method/:apiTokenInstance${tail}`,
        bodyLimit: API_BODY_LIMIT,
        handler: handle,
      });
    }
  }
  registerPartnerRoutes(
    app,
    {
      ...options.partner,
      messaging: services.messaging,
      bodyLimit: API_BODY_LIMIT,
      allow: (key, perSecond) => !hasRateLimits || limiter.allow(key, perSecond),
    },
    EVERY_ANSWER_HEADERS,
  );
  // Any other path of the API's shapes is the API's 404 (as text, with CORS), never the console's page.
  const notServed = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(EVERY_ANSWER_HEADERS);
    if (request.method === "OPTIONS") return reply.status(204).send();
    throw notFound();
  };
  for (const url of ["/waInstance*", "/v3/*", "/partner/*"])
    app.route({ method: [...methods], url, bodyLimit: API_BODY_LIMIT, handler: notServed });
}
