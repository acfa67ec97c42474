import type { FastifyBaseLogger } from "fastify";
import type { Clock } from "../../clock.js";
import type { SecretBox } from "../../security/secret-box.js";
import { standardWebhookHeaders } from "../../webhooks/webhook-signature.js";
import type { WebhookOutcome, WebhookRequest } from "../../webhooks/webhook-sender.js";
import type { Instance } from "./instance.js";
import type { InstanceLeases } from "./instance-leases.js";
import type { InstancesRepository } from "./instances.repository.js";
import type { NotificationQueue, StoredNotification } from "./notification-queue.js";
import { GroupCommit } from "./group-commit.js";
import type {
  WebhookAttempt,
  WebhookConfirmation,
  WebhookDeliveryState,
  WebhookSecrets,
  WebhooksRepository,
} from "./webhooks.repository.js";

/** Waits after the first, second and third failure of a head; every later one waits a minute. */
const RETRY_SCHEDULE_MS = [5_000, 15_000, 30_000];
const RETRY_EVERY_MS = 60_000;
/** Each wait is stretched or shortened by up to a fifth, so that failed receivers are not hit in step. */
const JITTER = 0.2;
/** A notification not delivered within a day leaves the queue for the dead letters, as GREEN-API keeps them a day. */
export const WEBHOOK_EXPIRY_MS = 24 * 60 * 60_000;
/** How often the loop looks for due retries and instances taken over from another node. */
const PASS_EVERY_MS = 1_000;
/** How long an instance's opened signing secrets are reused: a rotation on another node shows within this. */
const SECRETS_KEPT_MS = 5_000;
/** The attempts log is cut back to its newest entries every this many attempts of an instance. */
const PRUNE_EVERY = 20;
/** Instances started in one pass at most; the rest wait for the next pass. */
const PASS_SIZE = 1_000;

export interface WebhookPoster {
  send(attempt: WebhookRequest, signal?: AbortSignal): Promise<WebhookOutcome>;
}

/** The wait before the next attempt at a head that failed `attempts` times. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = RETRY_SCHEDULE_MS[attempts - 1] ?? RETRY_EVERY_MS;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** The Authorization header for a webhookUrlToken: a bare token goes as a Bearer token; one with a scheme as given. */
export function authorizationFor(token: string): string | undefined {
  if (token === "") return undefined;
  return /\s/.test(token.trim()) ? token.trim() : `Bearer ${token}`;
}

/** The typeWebhook of a stored notification body; "" when it has none. */
export function typeWebhookOf(bodyText: string): string {
  try {
    const typeWebhook = (JSON.parse(bodyText) as { typeWebhook?: unknown }).typeWebhook;
    return typeof typeWebhook === "string" ? typeWebhook : "";
  } catch {
    return "";
  }
}

/**
 * Pushes each instance's notifications to its webhookUrl, first in first out: the head is
 * tried until the receiver answers 2xx, and only then is it deleted and the next one sent. The
 * queue is the notification table itself, so whatever was stored survives a crash; the head is
 * sent again after a restart (same webhook-id). One instance has one request in flight at most;
 * all instances share a bounded number of requests, so one slow receiver holds only its own
 * slot. Only the node holding an instance's lease pushes for it.
 */
export class WebhookDelivery {
  private readonly lanes = new Map<number, Promise<void>>();
  private readonly waitingForSlot: Array<() => void> = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private readonly secretsCache = new Map<number, { secrets: string[]; until: number }>();
  private readonly attemptsSincePrune = new Map<number, number>();
  /** Confirmations of many instances share a transaction; each lane goes on once its own is stored. */
  private readonly confirmations: GroupCommit<WebhookConfirmation>;

  constructor(
    private readonly deps: {
      repository: WebhooksRepository;
      notifications: NotificationQueue;
      instances: InstancesRepository;
      leases: InstanceLeases;
      secretBox: SecretBox;
      poster: WebhookPoster;
      clock: Clock;
      log: FastifyBaseLogger;
      /** Requests in flight at once across all instances. */
      concurrency: number;
      createSecret: () => string;
      random?: () => number;
    },
  ) {
    this.confirmations = new GroupCommit((confirmations) => deps.repository.recordDelivered(confirmations));
  }

  /** Runs on its own: a pass every second, and at once when a notification is stored. */
  start(): void {
    this.unsubscribe = this.deps.notifications.onArrival((idInstance) => {
      if (!this.lanes.has(idInstance)) void this.startLanes([idInstance]);
    });
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.pass()
          .catch((error: unknown) => this.deps.log.error({ err: error }, "webhook delivery pass failed"))
          .finally(() => {
            if (!this.stopping.signal.aborted) loop();
          });
      }, PASS_EVERY_MS);
      this.timer.unref();
    };
    loop();
  }

  /** Stops starting attempts and cuts those in flight short (their heads are sent again later). */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    for (const wake of this.waitingForSlot.splice(0)) wake();
    this.unsubscribe?.();
    await Promise.allSettled(this.lanes.values());
  }

  /**
   * One pass over the due instances, resolved when each has delivered what it could. Tests call
   * it under a clock they move by hand, where no loop runs: it takes the leases' turn too.
   */
  async deliverDue(): Promise<void> {
    await this.deps.leases.tick();
    await this.pass();
    await Promise.allSettled(this.lanes.values());
  }

  private async pass(): Promise<void> {
    const due = await this.deps.repository.listDue(this.deps.clock.now(), PASS_SIZE);
    await this.startLanes(due);
  }

  private async startLanes(idInstances: number[]): Promise<void> {
    for (const idInstance of idInstances) {
      if (this.lanes.has(idInstance) || !this.deps.leases.holds(idInstance) || this.stopping.signal.aborted) continue;
      const lane = this.deliver(idInstance)
        .catch((error: unknown) => this.deps.log.error({ err: error, idInstance }, "webhook delivery failed"))
        .finally(() => this.lanes.delete(idInstance));
      this.lanes.set(idInstance, lane);
    }
  }

  /** Sends the instance's queue from its head until it is empty, or an attempt fails. */
  private async deliver(idInstance: number): Promise<void> {
    for (;;) {
      if (this.stopping.signal.aborted) return;
      const instance = await this.deps.instances.find(idInstance);
      if (!instance || instance.settings.webhookUrl === "" || instance.isOwnerDisabled) return;
      const head = await this.deps.notifications.storedHead(idInstance);
      if (!head) return;
      const now = this.deps.clock.now();
      const { state, secrets } = await this.deps.repository.delivery(idInstance);
      if (state.pausedAt !== null) return;
      const isRetry = state.headReceiptId === head.receiptId;
      if (isRetry && state.nextAttemptAt > now) return;
      if (now - head.createdAt >= WEBHOOK_EXPIRY_MS) {
        await this.expire(instance, head, now, state);
        continue;
      }
      const attempt = await this.attempt(instance, head, secrets);
      if (attempt === undefined) return;
      const { outcome, record } = attempt;
      if (outcome.kind === "delivered") {
        await this.confirmations.write({ idInstance, attempt: record, hadRetries: state.headAttempts > 0 });
        await this.pruneNow(idInstance);
        continue;
      }
      await this.deps.repository.recordAttempt(idInstance, record);
      await this.pruneNow(idInstance);
      if (outcome.kind === "gone") {
        await this.deps.repository.pause(idInstance, `the receiver answered ${outcome.statusCode} Gone`, this.deps.clock.now());
        return;
      }
      const attempts = (isRetry ? state.headAttempts : 0) + 1;
      const failingSince = isRetry && state.failingSince !== null ? state.failingSince : now;
      const wait = Math.max(retryDelayMs(attempts, this.deps.random), outcome.kind === "failed" ? (outcome.retryAfterMs ?? 0) : 0);
      const at = this.deps.clock.now();
      await this.deps.repository.scheduleRetry(idInstance, head.receiptId, attempts, failingSince, at + wait, at);
      return;
    }
  }

  /** Housekeeping: what every webhook instance failed to deliver within a day moves to its dead letters. */
  async expireOlderThan(cutoff: number): Promise<void> {
    for (const idInstance of await this.deps.repository.listWithNotificationsBefore(cutoff)) {
      const instance = await this.deps.instances.find(idInstance);
      if (!instance) continue;
      // Read once: expiring the head clears the retry schedule, which concerns that head only.
      const { state } = await this.deps.repository.delivery(idInstance);
      for (;;) {
        const head = await this.deps.notifications.storedHead(idInstance);
        if (!head || head.createdAt >= cutoff) break;
        await this.expire(instance, head, this.deps.clock.now(), state);
      }
    }
  }

  /** Every so many attempts an instance's log is cut back to its newest entries. */
  private async pruneNow(idInstance: number): Promise<void> {
    const count = (this.attemptsSincePrune.get(idInstance) ?? 0) + 1;
    if (count < PRUNE_EVERY) {
      this.attemptsSincePrune.set(idInstance, count);
      return;
    }
    this.attemptsSincePrune.delete(idInstance);
    await this.deps.repository.pruneAttempts(idInstance);
  }

  /** One POST of the head, and what to record of it; undefined when the node stopped meanwhile. */
  private async attempt(
    instance: Instance,
    head: StoredNotification,
    stored: WebhookSecrets | undefined,
  ): Promise<{ outcome: WebhookOutcome; record: WebhookAttempt } | undefined> {
    const secrets = await this.signingSecrets(instance.idInstance, stored);
    // The receiver checks the timestamp against its own clock: it is the machine's time, whatever clock schedules retries.
    const timestamp = Math.floor(Date.now() / 1000);
    const authorization = authorizationFor(instance.settings.webhookUrlToken);
    const request: WebhookRequest = {
      url: instance.settings.webhookUrl,
      body: head.bodyText,
      headers: {
        "content-type": "application/json",
        "user-agent": "Switchboard-Webhooks/1",
        ...(authorization ? { authorization } : {}),
        ...standardWebhookHeaders(secrets, head.webhookId, timestamp, head.bodyText),
      },
    };
    const attemptedAt = this.deps.clock.now();
    const outcome = await this.withSlot(() => this.deps.poster.send(request, this.stopping.signal));
    if (outcome === undefined || this.stopping.signal.aborted) return undefined;
    return {
      outcome,
      record: {
        receiptId: head.receiptId,
        webhookId: head.webhookId,
        typeWebhook: typeWebhookOf(head.bodyText),
        attemptedAt,
        outcome: outcome.kind,
        statusCode: outcome.kind === "refused" ? null : outcome.statusCode,
        latencyMs: outcome.latencyMs,
        error: outcome.kind === "failed" || outcome.kind === "refused" ? outcome.error : "",
      },
    };
  }

  /**
   * The current secret, and the previous one while a rotation's overlap lasts, opened from the
   * delivery row the attempt read (made with a first secret when there is none yet); kept 5
   * seconds per instance. A rotation on another node is picked up within them.
   */
  private async signingSecrets(idInstance: number, stored: WebhookSecrets | undefined): Promise<string[]> {
    const now = this.deps.clock.now();
    const cached = this.secretsCache.get(idInstance);
    if (cached && cached.until > now) return cached.secrets;
    let secrets = stored;
    if (!secrets) {
      await this.deps.repository.ensure(idInstance, () => this.deps.secretBox.seal(this.deps.createSecret()), now);
      secrets = (await this.deps.repository.delivery(idInstance)).secrets;
      if (!secrets) throw new Error(`instance ${idInstance} is gone`);
    }
    const current = this.deps.secretBox.open(secrets.sealed);
    const previousUntil = secrets.previousUntil ?? 0;
    const opened =
      secrets.previousSealed !== null && previousUntil > now ? [current, this.deps.secretBox.open(secrets.previousSealed)] : [current];
    // Not past the end of the overlap: from then on the previous secret must not sign.
    const until = Math.min(now + SECRETS_KEPT_MS, previousUntil > now ? previousUntil : Number.POSITIVE_INFINITY);
    this.secretsCache.set(idInstance, { secrets: opened, until });
    return opened;
  }

  /** Drops what this node remembers of an instance's secrets (rotated here). */
  forgetSecrets(idInstance: number): void {
    this.secretsCache.delete(idInstance);
  }

  /** A day old and never confirmed: kept aside for a replay from the console, and the next one goes. */
  private async expire(instance: Instance, head: StoredNotification, now: number, state: WebhookDeliveryState): Promise<void> {
    const reason =
      state.headReceiptId === head.receiptId && state.headAttempts > 0
        ? `not confirmed within 24 hours (${state.headAttempts} attempts)`
        : "not confirmed within 24 hours";
    await this.deps.repository.addDeadLetter(instance.idInstance, { ...head, deadAt: now, reason });
    await this.deps.notifications.delete(instance.idInstance, head.receiptId);
    await this.deps.repository.recordAttempt(instance.idInstance, {
      receiptId: head.receiptId,
      webhookId: head.webhookId,
      typeWebhook: typeWebhookOf(head.bodyText),
      attemptedAt: now,
      outcome: "expired",
      statusCode: null,
      latencyMs: 0,
      error: reason,
    });
    await this.deps.repository.clearRetry(instance.idInstance, now);
  }

  private async withSlot<T>(run: () => Promise<T>): Promise<T | undefined> {
    while (this.inFlight >= this.deps.concurrency) {
      await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
      if (this.stopping.signal.aborted) return undefined;
    }
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
      this.waitingForSlot.shift()?.();
    }
  }
}
