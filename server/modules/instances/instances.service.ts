import type { z } from "zod";
import type { InstanceDetails, InstanceSummary } from "../../../shared/instances.schemas.js";
import type { InstanceSettings } from "../../../shared/green-api.js";
import type { Clock } from "../../clock.js";
import type { QrAnswer } from "../../connectors/connector.js";
import { AppError } from "../../errors.js";
import type { AccountDataOwner } from "../accounts/accounts.service.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import type { Instance } from "../messaging/instance.js";
import type { MessagingService } from "../messaging/messaging.service.js";
import type { setSettingsSchema } from "../messaging/settings.js";

/**
 * The console's side of instances: who may see and change which (another person's instance
 * answers 404), quotas, the audit of what people do, and the views the console shows. What an
 * instance is and does lives in the messaging core.
 */
export class InstancesService implements AccountDataOwner {
  readonly exportKey = "instances";

  constructor(
    private readonly deps: {
      messaging: MessagingService;
      audit: AuditRepository;
      clock: Clock;
      publicUrl: string;
      /** How many instances one account may have. */
      maxInstancesPerAccount: number;
    },
  ) {}

  private async audit(event: AuditEvent, instance: Instance, origin: RequestOrigin): Promise<void> {
    await this.deps.audit.recordInstanceEvent(event, instance, origin, this.deps.clock.now());
  }

  async create(userId: string, name: string, origin: RequestOrigin): Promise<Instance> {
    const quota = this.deps.maxInstancesPerAccount;
    const created = await this.deps.messaging.create(userId, name, "sandbox", quota);
    if (!created) {
      throw new AppError("quota_exceeded", undefined, `An account may have at most ${quota} instances. Delete one to create another.`);
    }
    await this.audit("instance_created", created.instance, origin);
    return created.instance;
  }

  list(userId: string): Promise<Instance[]> {
    return this.deps.messaging.listForUser(userId);
  }

  /** The instance if it belongs to this person; anybody else's answers 404, like a missing one. */
  async getOwned(userId: string, idInstance: number): Promise<Instance> {
    const instance = await this.deps.messaging.find(idInstance);
    if (!instance || instance.userId !== userId) throw new AppError("not_found");
    return instance;
  }

  revealToken(instance: Instance, origin: RequestOrigin): Promise<string> {
    return this.deps.messaging.revealToken(instance, origin);
  }

  rotateToken(instance: Instance, origin: RequestOrigin): Promise<string> {
    return this.deps.messaging.rotateToken(instance, origin);
  }

  async delete(instance: Instance, origin: RequestOrigin): Promise<void> {
    await this.deps.messaging.delete(instance);
    await this.audit("instance_deleted", instance, origin);
  }

  /** With the account: every instance goes (its token stops working with it), each audited. */
  async deleteAccountData(userId: string, origin?: RequestOrigin): Promise<void> {
    for (const instance of await this.deps.messaging.listForUser(userId)) {
      await this.deps.messaging.delete(instance);
      if (origin) await this.audit("instance_deleted", instance, origin);
    }
  }

  /** The account's instances for its export: never a token, nor the webhook's token or credentials in its URL. */
  async exportAccountData(userId: string): Promise<unknown> {
    return (await this.deps.messaging.listForUser(userId)).map((instance) => {
      const { webhookUrlToken: _webhookUrlToken, webhookUrl, ...settings } = instance.settings;
      return { ...this.details(instance), settings: { ...settings, webhookUrl: withoutCredentials(webhookUrl) } };
    });
  }

  settings(instance: Instance): InstanceSettings {
    return this.deps.messaging.settings(instance);
  }

  updateSettings(instance: Instance, changes: z.output<typeof setSettingsSchema>): Promise<void> {
    return this.deps.messaging.updateSettings(instance, changes);
  }

  reboot(instance: Instance): Promise<Instance> {
    return this.deps.messaging.reboot(instance);
  }

  logout(instance: Instance): Promise<void> {
    return this.deps.messaging.logout(instance);
  }

  qr(instance: Instance): Promise<QrAnswer> {
    return this.deps.messaging.qr(instance);
  }

  pairingCode(instance: Instance, phoneNumber: string): Promise<{ status: boolean; code: string }> {
    return this.deps.messaging.pairingCode(instance, phoneNumber);
  }

  summary(instance: Instance): InstanceSummary {
    return {
      idInstance: instance.idInstance,
      name: instance.name,
      stateInstance: instance.state,
      createdAt: new Date(instance.createdAt).toISOString(),
    };
  }

  details(instance: Instance): InstanceDetails {
    return {
      ...this.summary(instance),
      typeInstance: this.deps.messaging.typeInstance(instance),
      apiUrl: this.deps.publicUrl,
      mediaUrl: this.deps.publicUrl,
      wid: instance.wid,
    };
  }
}

/** A URL without user and password, and without query values that look like secrets. */
function withoutCredentials(url: string): string {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/token|secret|key|pass|auth|sig/i.test(key)) parsed.searchParams.set(key, "[removed]");
    }
    return parsed.toString();
  } catch {
    return "";
  }
}
