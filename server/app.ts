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
import type { Database } from "./db/schema.js";
import { AppError } from "./errors.js";
import { MailQueue } from "./mail/mail-queue.js";
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
import { InstancesRepository } from "./modules/instances/instances.repository.js";
import { InstancesService } from "./modules/instances/instances.service.js";
import { instancesRoutes } from "./modules/instances/instances.routes.js";
import { JournalRepository } from "./modules/green-api/journal.repository.js";
import { NotificationQueue } from "./modules/green-api/notifications.js";
import { InstanceEvents } from "./modules/green-api/instance-events.js";
import { MessageWriter } from "./modules/green-api/message-writer.js";
import { SendQueue, SEND_QUEUE_TTL_MS } from "./modules/green-api/send-queue.js";
import { greenApiRoutes } from "./modules/green-api/green-api.routes.js";
import { SandboxRepository } from "./messenger/sandbox/sandbox.repository.js";
import { SandboxNetwork } from "./messenger/sandbox/sandbox-network.js";
import { sandboxRoutes } from "./messenger/sandbox/sandbox.routes.js";
import { SecretBox, loadOrCreateSecretKey } from "./security/secret-box.js";
import { systemClock } from "./clock.js";
import { loggerOptions } from "./logging.js";

export interface AppDependencies {
  config: Config;
  db: Kysely<Database>;
  clock?: Clock;
  mailer?: Mailer;
  logger?: FastifyServerOptions["logger"];
  /** Where the built console lives; tests without a build pass a missing folder. */
  webDir?: string;
}

declare module "fastify" {
  interface FastifyInstance {
    mailQueue: MailQueue;
    /** Exposed for tests, which drive time by hand. */
    sendQueue: SendQueue;
    instanceEvents: InstanceEvents;
    messageWriter: MessageWriter;
    /** Drops what has outlived its retention; runs every 10 minutes. */
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
  const mailQueue = new MailQueue(db, clock, app.log);
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

  const instanceRows = new InstancesRepository(db);
  const journal = new JournalRepository(db);
  const notifications = new NotificationQueue(db, clock);
  const events = new InstanceEvents({ instances: instanceRows, journal, notifications, clock });
  const sandbox = new SandboxRepository(db);
  const network = new SandboxNetwork({ sandbox, instances: instanceRows, journal, events, clock, publicUrl: config.publicUrl });
  events.attach(network);
  const instances = new InstancesService({
    instances: instanceRows,
    events,
    connector: network,
    secretBox: new SecretBox(loadOrCreateSecretKey(config.secretKey, config.secretKeyFile)),
    audit,
    clock,
    publicUrl: config.publicUrl,
    maxInstancesPerAccount: config.maxInstancesPerAccount,
  });
  accounts.registerDataOwner(instances);
  accounts.registerDataOwner(network);
  const writer = new MessageWriter(journal);
  const sendQueue = new SendQueue({ journal, instances: instanceRows, events, connector: network, clock, log: app.log });
  app.decorate("sendQueue", sendQueue);
  app.decorate("instanceEvents", events);
  app.decorate("messageWriter", writer);

  await app.register(greenApiRoutes, {
    services: { instances, instanceRows, events, journal, notifications, writer, connector: network, clock },
    hasRateLimits: config.hasApiRateLimits,
  });

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
          },
          { prefix: "/console" },
        );
        if (config.isSandboxEnabled)
          await api.register(sandboxRoutes, {
            prefix: "/sandbox",
            network,
            sandbox,
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
    site.get("/healthz", async () => ({ ok: true }));

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
    // Queued messages and notifications are kept 24 hours, as GREEN-API keeps them.
    await journal.deleteQueuedOlderThan(now - SEND_QUEUE_TTL_MS);
    await notifications.deleteOlderThan(now - DAY_MS);
    await instanceRows.deleteStateHistoryOlderThan(now - 30 * DAY_MS);
    await sendQueue.recoverInterrupted();
  };
  app.decorate("housekeeping", tidy);
  let housekeeping: NodeJS.Timeout | undefined;
  let settling: NodeJS.Timeout | undefined;
  let recovery: NodeJS.Timeout | undefined;
  app.addHook("onReady", async () => {
    mailQueue.start();
    sendQueue.start();
    // Sends cut short by a previous crash are settled as soon as their minute has passed.
    recovery = setTimeout(
      () => void sendQueue.recoverInterrupted().catch((error: unknown) => app.log.error({ err: error }, "send recovery failed")),
      61_000,
    );
    recovery.unref();
    settling = setInterval(
      () => events.settle().catch((error: unknown) => app.log.error({ err: error }, "state settling failed")),
      SETTLE_MS,
    );
    settling.unref();
    housekeeping = setInterval(
      () => tidy().catch((error: unknown) => app.log.error({ err: error }, "housekeeping failed")),
      HOUSEKEEPING_MS,
    );
    housekeeping.unref();
  });
  app.addHook("onClose", async () => {
    clearInterval(housekeeping);
    clearInterval(settling);
    clearTimeout(recovery);
    await sendQueue.stop();
    await writer.drain();
    await mailQueue.stop();
    await mailer.close();
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
