import fs from "node:fs";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { fastifyTrustProxy, type Config } from "./config.js";
import type { Clock } from "./clock.js";
import { pendingMigrations } from "./db/create-db.js";
import type { Database } from "./db/schema.js";
import { AppError } from "./errors.js";
import { MailQueue } from "./mail/mail-queue.js";
import { JobRunner } from "./jobs/job-runner.js";
import { createMailer, type Mailer } from "./mail/mailer.js";
import { AccountsRepository } from "./modules/accounts/accounts.repository.js";
import { accountsRoutes } from "./modules/accounts/accounts.routes.js";
import { AccountsService } from "./modules/accounts/accounts.service.js";
import { SessionsRepository } from "./modules/accounts/sessions.repository.js";
import { SessionsService } from "./modules/accounts/sessions.service.js";
import { AuditRepository } from "./modules/audit/audit.repository.js";
import { RateLimitRepository } from "./modules/rate-limit/rate-limit.repository.js";
import { registerConsoleGuard } from "./plugins/console-guard.js";
import { registerErrorHandler } from "./plugins/errors.js";
import { registerJsonBody } from "./plugins/json-body.js";
import { USER_AGREEMENT_STYLES, USER_AGREEMENT_TEMPLATE } from "./content/user-agreement.js";
import { webDistDir } from "./paths.js";
import { InstancesService } from "./modules/instances/instances.service.js";
import { instancesRoutes } from "./modules/instances/instances.routes.js";
import { createMessagingCore } from "./modules/messaging/messaging.module.js";
import type { MessagingService } from "./modules/messaging/messaging.service.js";
import { greenApiRoutes } from "./modules/green-api/green-api.routes.js";
import type { ConnectorEvents } from "./connectors/connector.js";
import { ConnectorRegistry } from "./connectors/connector-registry.js";
import { SandboxRepository } from "./connectors/sandbox/sandbox.repository.js";
import { SandboxNetwork } from "./connectors/sandbox/sandbox-network.js";
import { sandboxRoutes } from "./connectors/sandbox/sandbox.routes.js";
import { SecretBox, loadOrCreateSecretKey } from "./security/secret-box.js";
import { systemClock } from "./clock.js";
import { loggerOptions } from "./logging.js";
import { createWebhookTransport } from "./webhooks/webhook-sender.js";
import { webhooksRoutes } from "./modules/instances/webhooks.routes.js";
import type { WebhooksService } from "./modules/messaging/webhooks.service.js";
import type { LookupFunction } from "node:net";
import { createGuardedDispatcher } from "./security/outbound-guard.js";
import { createMediaService } from "./modules/media/media.module.js";
import { mediaRoutes } from "./modules/media/media.routes.js";
import { PartnersService } from "./modules/partners/partners.service.js";
import { PartnerTokensRepository } from "./modules/partners/partner-tokens.repository.js";
import { partnersRoutes } from "./modules/partners/partners.routes.js";
import type { MediaService } from "./modules/media/media.service.js";

export interface AppDependencies {
  config: Config;
  db: Kysely<Database>;
  clock?: Clock;
  mailer?: Mailer;
  logger?: FastifyServerOptions["logger"];
  /** Where the built console lives; tests without a build pass a missing folder. */
  webDir?: string;
  /** Resolves webhook hosts (dns.lookup by default); tests answer of their own to play DNS rebinding. */
  lookup?: LookupFunction;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Durable background jobs: mail, housekeeping. */
    jobs: JobRunner;
    mailQueue: MailQueue;
    /** The messaging core; exposed for tests, which drive its loops and time by hand. */
    messaging: MessagingService;
    /** Webhook push; exposed for tests, which run delivery passes by hand. */
    webhooks: WebhooksService;
    /** Where connectors report; exposed for tests that play a network's part. */
    connectorEvents: ConnectorEvents;
    /** Files and their links; exposed for tests, which run expiry by hand. */
    media: MediaService;
    /** Drops what has outlived its retention; a job every 10 minutes, and tests call it to run it now. */
    housekeeping: () => Promise<void>;
  }
}

const HOUSEKEEPING_MS = 10 * 60_000;
const SETTLE_MS = 250;
const DAY_MS = 24 * 60 * 60_000;

/** Builds the whole server without listening: main.ts listens, tests inject. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config.logLevel),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 64 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  registerJsonBody(app);

  const mailer = deps.mailer ?? createMailer({ smtpUrl: config.smtpUrl, outboxDir: config.outboxDir, from: config.mailFrom }, app.log);
  const jobs = new JobRunner({ db, clock, log: app.log });
  app.decorate("jobs", jobs);
  const mailQueue = new MailQueue(jobs);
  app.decorate("mailQueue", mailQueue);
  const rateLimits = new RateLimitRepository(db);
  const sessionsRepository = new SessionsRepository(db);
  const accountsRepository = new AccountsRepository(db);
  const sessions = new SessionsService(sessionsRepository, clock);
  const audit = new AuditRepository(db);
  const accounts = new AccountsService({
    accounts: accountsRepository,
    sessions,
    rateLimits,
    audit,
    mailQueue,
    mailer,
    clock,
    publicUrl: config.publicUrl,
  });

  const connectors = new ConnectorRegistry();
  const webhookTransport = createWebhookTransport({
    policy: config.outboundPolicy,
    timeoutMs: config.webhookTimeoutMs,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  });
  const secretKey = loadOrCreateSecretKey(config.secretKey, config.secretKeyFile);
  const secretBox = new SecretBox(secretKey);
  // Files by URL leave through the same address guard as webhooks, under the same policy.
  const fileFetchDispatcher = createGuardedDispatcher(config.outboundPolicy, {
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
    connectTimeoutMs: 10_000,
  });
  const media = createMediaService({
    db,
    clock,
    config: config.media,
    publicUrl: config.publicUrl,
    secretKey,
    dispatcher: fileFetchDispatcher,
  });
  const core = createMessagingCore({
    db,
    clock,
    log: app.log,
    connectors,
    secretBox,
    audit,
    nodeId: config.nodeId,
    webhookPoster: webhookTransport.sender,
    checkWebhookUrl: webhookTransport.checkUrl,
    webhookConcurrency: config.webhookConcurrency,
    files: media,
  });
  const messaging = core.service;
  const sandbox = new SandboxRepository(db);
  const network = new SandboxNetwork({ sandbox, host: messaging, events: core.events, clock, publicUrl: config.publicUrl });
  connectors.register(network);
  const instances = new InstancesService({
    messaging,
    audit,
    clock,
    publicUrl: config.publicUrl,
    maxInstancesPerAccount: config.maxInstancesPerAccount,
  });
  accounts.registerDataOwner(instances);
  accounts.registerDataOwner(network);
  accounts.registerDataOwner(media);
  app.decorate("messaging", messaging);
  app.decorate("media", media);
  app.decorate("webhooks", core.webhooks);
  app.decorate("connectorEvents", core.events);

  const partners = new PartnersService({
    tokens: new PartnerTokensRepository(db),
    secretBox,
    audit,
    clock,
    publicUrl: config.publicUrl,
  });
  await app.register(greenApiRoutes, {
    services: { messaging, media, clock },
    hasRateLimits: config.hasApiRateLimits,
    redisUrl: config.redisUrl,
    partner: { partners, instances, publicUrl: config.publicUrl },
  });

  await app.register(mediaRoutes, { media });

  // The console and its pages: cookies, security headers (CSP…), the single-page app. The
  // compatible API above needs none of it, and every request there is worth its speed.
  await app.register(async (site) => {
    await site.register(cookie);
    await site.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: "no-referrer" },
      strictTransportSecurity: config.isHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
    });

    await site.register(
      async (api) => {
        registerConsoleGuard(api, { publicUrl: config.publicUrl, isHttps: config.isHttps, sessions });
        await api.register(
          async (consoleApi) => {
            await consoleApi.register(accountsRoutes, { accounts, isHttps: config.isHttps });
            await consoleApi.register(instancesRoutes, { instances });
            await consoleApi.register(webhooksRoutes, { instances, webhooks: core.webhooks });
            await consoleApi.register(partnersRoutes, { partners });
          },
          { prefix: "/console" },
        );
        if (config.isSandboxEnabled)
          await api.register(sandboxRoutes, {
            prefix: "/sandbox",
            network,
            sandbox,
            media,
            clock,
            maxPhonesPerAccount: config.maxSandboxPhonesPerAccount,
          });
      },
      { prefix: "/api" },
    );

    const userAgreement = config.userAgreementFile ? fs.readFileSync(config.userAgreementFile, "utf8") : USER_AGREEMENT_TEMPLATE;
    site.get("/user-agreement", async (_request, reply) => reply.type("text/html; charset=utf-8").send(userAgreementPage(userAgreement)));
    // A stylesheet of its own: the CSP allows no inline styles.
    site.get("/user-agreement.css", async (_request, reply) =>
      reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(USER_AGREEMENT_STYLES),
    );
    // For load balancers: /healthz says the process is up; /readyz that it can serve (database
    // reachable, schema up to date, leases renewing), answering 503 with the reasons otherwise.
    site.get("/healthz", async (_request, reply) => reply.header("cache-control", "no-store").send({ ok: true }));
    site.get("/readyz", async (_request, reply) => {
      const problems: string[] = [];
      try {
        const pending = await pendingMigrations(db);
        if (pending.length > 0) problems.push(`migrations not applied: ${pending.join(", ")}`);
      } catch {
        problems.push("database unreachable");
      }
      const node = messaging.node;
      if (!node.isRenewingLeases) problems.push("instance leases are not being renewed");
      return reply
        .status(problems.length === 0 ? 200 : 503)
        .header("cache-control", "no-store")
        .send({ ready: problems.length === 0, node: node.id, heldInstances: node.heldInstances, problems });
    });

    const webDir = deps.webDir ?? webDistDir;
    const hasWeb = fs.existsSync(path.join(webDir, "index.html"));
    if (hasWeb) {
      await site.register(fastifyStatic, { root: webDir, wildcard: false, index: false });
    }
    site.setNotFoundHandler((request, reply) => {
      const isPage = request.method === "GET" && !request.url.startsWith("/api/") && !path.extname(request.url.split("?")[0] ?? "");
      if (isPage && hasWeb) {
        // The single-page app owns every other page path.
        return reply.header("cache-control", "no-cache").sendFile("index.html");
      }
      const notFound = new AppError("not_found");
      return reply.status(notFound.status).send(notFound.toBody());
    });
  });

  const tidy = async () => {
    const now = clock.now();
    await sessions.deleteExpired();
    await audit.deleteOlderThan(now - config.auditRetentionMs);
    await accountsRepository.deleteExpiredTemporaryPasswords(now - DAY_MS);
    await rateLimits.deleteOlderThan(now - DAY_MS);
    await messaging.removeExpired();
    await core.webhooks.removeExpired();
    await media.removeExpired();
  };
  app.decorate("housekeeping", tidy);
  jobs.register({ kind: "housekeeping", run: tidy });
  // One node runs it each period. Under a clock that a test moves by hand, due periods would fire
  // at random moments of the test, so there the test runs it itself.
  if (!deps.clock) jobs.schedule("housekeeping", HOUSEKEEPING_MS);
  let settling: NodeJS.Timeout | undefined;
  // A test that moves the clock by hand drives the loops itself: a timer would act between its steps.
  const runsLoops = !deps.clock;
  app.addHook("onReady", async () => {
    jobs.start();
    await messaging.start({ runsLoops });
    app.log.info({ node: messaging.node }, "messaging started");
    if (!runsLoops) return;
    settling = setInterval(
      () => messaging.settle().catch((error: unknown) => app.log.error({ err: error }, "state settling failed")),
      SETTLE_MS,
    );
    settling.unref();
  });
  app.addHook("onClose", async () => {
    clearInterval(settling);
    // The jobs and the mailer close even when the messaging core could not stop cleanly (database gone).
    try {
      await messaging.stop();
    } finally {
      await jobs.stop();
      await mailer.close();
      await webhookTransport.sender.close();
      await fileFetchDispatcher.close();
    }
  });
  return app;
}

function userAgreementPage(body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>User agreement — Switchboard</title><link rel="stylesheet" href="/user-agreement.css"></head>
<body><main>
${body}
</main></body>
</html>
`;
}
