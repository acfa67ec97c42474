import type { Clock } from "../../clock.js";
import type { SecretBox } from "../../security/secret-box.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import type { Instance } from "./instance.js";
import type { InstanceLifecycle } from "./instance-lifecycle.js";
import type { NotificationQueue } from "./notification-queue.js";
import { typeWebhookOf, type WebhookDelivery } from "./webhook-delivery.js";
import type { DeadLetter, WebhookAttempt, WebhooksRepository } from "./webhooks.repository.js";

/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60_000;
/** Dead letters are kept this long, then housekeeping removes them. */
export const DEAD_LETTER_RETENTION_MS = 7 * 24 * 60 * 60_000;
const ATTEMPTS_SHOWN = 20;
const DEAD_LETTERS_SHOWN = 200;

export type WebhookStatus =
  | { kind: "off" }
  | { kind: "delivering" }
  | { kind: "retrying"; since: number; attempts: number; nextAttemptAt: number }
  | { kind: "paused"; since: number; reason: string };

export interface DeadLetterSummary {
  receiptId: number;
  webhookId: string;
  typeWebhook: string;
  createdAt: number;
  deadAt: number;
  reason: string;
}

export interface WebhookOverview {
  status: WebhookStatus;
  /** Notifications waiting to be pushed (the head included). */
  queued: number;
  /** Newest first. */
  attempts: WebhookAttempt[];
  /** Oldest first. */
  deadLetters: DeadLetterSummary[];
  /** While a rotation's overlap lasts, when the previous secret stops signing. */
  previousSecretValidUntil: number | null;
}

/** What the console does with an instance's webhook: its state, signing secret, dead letters and a test. */
export class WebhooksService {
  constructor(
    private readonly deps: {
      repository: WebhooksRepository;
      notifications: NotificationQueue;
      lifecycle: InstanceLifecycle;
      delivery: WebhookDelivery;
      secretBox: SecretBox;
      audit: AuditRepository;
      clock: Clock;
      createSecret: () => string;
    },
  ) {}

  async overview(instance: Instance): Promise<WebhookOverview> {
    const { repository, notifications } = this.deps;
    const [{ state, secrets }, queued, attempts, deadLetters] = await Promise.all([
      repository.delivery(instance.idInstance),
      notifications.count(instance.idInstance),
      repository.listAttempts(instance.idInstance, ATTEMPTS_SHOWN),
      repository.listDeadLetters(instance.idInstance, DEAD_LETTERS_SHOWN),
    ]);
    const now = this.deps.clock.now();
    let status: WebhookStatus;
    if (instance.settings.webhookUrl === "") status = { kind: "off" };
    else if (state.pausedAt !== null) status = { kind: "paused", since: state.pausedAt, reason: state.pausedReason };
    else if (state.headAttempts > 0 && state.failingSince !== null) {
      status = { kind: "retrying", since: state.failingSince, attempts: state.headAttempts, nextAttemptAt: state.nextAttemptAt };
    } else status = { kind: "delivering" };
    const previousUntil = secrets?.previousUntil ?? null;
    return {
      status,
      queued,
      attempts,
      deadLetters: deadLetters.map(({ bodyText, ...letter }) => ({ ...letter, typeWebhook: typeWebhookOf(bodyText) })),
      previousSecretValidUntil: previousUntil !== null && previousUntil > now ? previousUntil : null,
    };
  }

  private async audit(event: AuditEvent, instance: Instance, origin: RequestOrigin): Promise<void> {
    await this.deps.audit.recordInstanceEvent(event, instance, origin, this.deps.clock.now());
  }

  private async ensure(instance: Instance): Promise<void> {
    await this.deps.repository.ensure(instance.idInstance, () => this.deps.secretBox.seal(this.deps.createSecret()), this.deps.clock.now());
  }

  async revealSecret(instance: Instance, origin: RequestOrigin): Promise<string> {
    await this.ensure(instance);
    const { secrets } = await this.deps.repository.delivery(instance.idInstance);
    if (!secrets) throw new Error(`instance ${instance.idInstance} is gone`);
    await this.audit("webhook_secret_revealed", instance, origin);
    return this.deps.secretBox.open(secrets.sealed);
  }

  /** A new secret signs from now on; the old one also signs for a day. Answers the new one. */
  async rotateSecret(instance: Instance, origin: RequestOrigin): Promise<string> {
    await this.ensure(instance);
    const secret = this.deps.createSecret();
    const now = this.deps.clock.now();
    await this.deps.repository.rotateSecret(instance.idInstance, this.deps.secretBox.seal(secret), now + SECRET_ROTATION_OVERLAP_MS, now);
    this.deps.delivery.forgetSecrets(instance.idInstance);
    await this.audit("webhook_secret_rotated", instance, origin);
    return secret;
  }

  /** After a 410 Gone: pushing starts again with the head. */
  async resume(instance: Instance): Promise<void> {
    await this.ensure(instance);
    await this.deps.repository.resume(instance.idInstance, this.deps.clock.now());
  }

  /** Puts a dead letter back at the end of the queue, with its webhook-id; false when there is none. */
  async redeliver(instance: Instance, receiptId: number): Promise<boolean> {
    const letter = await this.deps.repository.findDeadLetter(instance.idInstance, receiptId);
    return letter !== undefined && (await this.requeue(instance, letter));
  }

  /** Every dead letter back in the queue, oldest first; answers how many. */
  async redeliverAll(instance: Instance): Promise<number> {
    let count = 0;
    for (;;) {
      const letters = await this.deps.repository.listDeadLetters(instance.idInstance, DEAD_LETTERS_SHOWN);
      if (letters.length === 0) return count;
      for (const letter of letters) if (await this.requeue(instance, letter)) count++;
    }
  }

  private async requeue(instance: Instance, letter: DeadLetter): Promise<boolean> {
    // Removed first: two clicks at once queue it once (the second finds nothing to remove).
    if (!(await this.deps.repository.deleteDeadLetter(instance.idInstance, letter.receiptId))) return false;
    await this.deps.notifications.pushStored(instance.idInstance, letter.bodyText, letter.webhookId);
    return true;
  }

  /** Queues a stateInstanceChanged with the current state; answers its receiptId. */
  sendTest(instance: Instance): Promise<number> {
    return this.deps.lifecycle.notifyTest(instance);
  }

  /** One delivery pass, waited for: tests under a clock they move by hand. */
  deliverDue(): Promise<void> {
    return this.deps.delivery.deliverDue();
  }

  async removeExpired(): Promise<void> {
    await this.deps.repository.deleteDeadLettersOlderThan(this.deps.clock.now() - DEAD_LETTER_RETENTION_MS);
  }
}
