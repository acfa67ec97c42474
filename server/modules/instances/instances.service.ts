import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { InstanceDetails, InstanceSummary } from "../../../shared/instances.schemas.js";
import { DEFAULT_SETTINGS, type InstanceSettings, type InstanceState, type WritableSettings } from "../../../shared/green-api.js";
import type { Clock } from "../../clock.js";
import { AppError } from "../../errors.js";
import type { MessengerConnector, QrAnswer } from "../../messenger/connector.js";
import type { SecretBox } from "../../security/secret-box.js";
import { sha256Hex } from "../../security/tokens.js";
import type { AccountDataOwner } from "../accounts/accounts.service.js";
import type { AuditEvent, AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import type { InstanceEvents } from "../green-api/instance-events.js";
import { readSettings, settingsView, type setSettingsSchema } from "../green-api/settings.js";
import type { InstanceRow, InstancesRepository } from "./instances.repository.js";

const ID_MIN = 1_100_000_000;
const ID_MAX = 9_999_999_999;

/** 50 lower-case hex characters, as GREEN-API's tokens: 200 random bits. */
function createApiToken(): string {
  return randomBytes(25).toString("hex");
}

/** A new instance's row: not linked, every notification off, the token hashed and sealed. */
export function newInstanceRow(fields: {
  idInstance: number;
  userId: string;
  name: string;
  token: string;
  secretBox: SecretBox;
  now: number;
}): InstanceRow {
  return {
    id_instance: fields.idInstance,
    user_id: fields.userId,
    name: fields.name,
    state: "notAuthorized",
    wid: "",
    token_hash: sha256Hex(fields.token),
    token_sealed: fields.secretBox.seal(fields.token),
    settings: JSON.stringify(DEFAULT_SETTINGS),
    last_receipt_id: 0,
    link_code: null,
    link_code_expires_at: null,
    pairing_code: null,
    pairing_phone: null,
    pairing_code_expires_at: null,
    state_settles_at: null,
    next_send_at: 0,
    has_queued: 0,
    owner_disabled: 0,
    created_at: fields.now,
    updated_at: fields.now,
  };
}

/**
 * Instances and what both the console and the compatible API do to them:
 * create, authenticate, read and change state and settings, rotate the token.
 */
export class InstancesService implements AccountDataOwner {
  readonly exportKey = "instances";

  constructor(
    private readonly deps: {
      instances: InstancesRepository;
      events: InstanceEvents;
      connector: MessengerConnector;
      secretBox: SecretBox;
      audit: AuditRepository;
      clock: Clock;
      publicUrl: string;
      /** How many instances one account may have. */
      maxInstancesPerAccount: number;
    },
  ) {}

  private async audit(event: AuditEvent, instance: InstanceRow, origin: RequestOrigin): Promise<void> {
    await this.deps.audit.record({
      event,
      origin,
      userId: instance.user_id,
      subject: String(instance.id_instance),
      occurredAt: this.deps.clock.now(),
    });
  }

  async create(userId: string, name: string, origin: RequestOrigin): Promise<InstanceRow> {
    const quota = this.deps.maxInstancesPerAccount;
    if ((await this.deps.instances.countForUser(userId)) >= quota) {
      throw new AppError("quota_exceeded", undefined, `An account may have at most ${quota} instances. Delete one to create another.`);
    }
    const token = createApiToken();
    const now = this.deps.clock.now();
    for (;;) {
      const row = newInstanceRow({
        idInstance: randomInt(ID_MIN, ID_MAX + 1),
        userId,
        name,
        token,
        secretBox: this.deps.secretBox,
        now,
      });
      // Ten random digits rarely collide; when they do, draw again.
      if (await this.deps.instances.create(row)) {
        await this.deps.instances.recordState(Number(row.id_instance), row.state, "", now);
        await this.audit("instance_created", row, origin);
        return row;
      }
    }
  }

  list(userId: string): Promise<InstanceRow[]> {
    return this.deps.instances.listForUser(userId);
  }

  /** The instance if it belongs to this person; anybody else's answers 404, like a missing one. */
  async getOwned(userId: string, idInstance: number): Promise<InstanceRow> {
    const instance = Number.isSafeInteger(idInstance) ? await this.deps.instances.find(idInstance) : undefined;
    if (!instance || instance.user_id !== userId) throw new AppError("not_found");
    return instance;
  }

  /** The instance a compatible API call names, or why not: "unknown" (403) or "bad-token" (401). */
  async authenticate(idInstance: number, token: string): Promise<InstanceRow | "unknown" | "bad-token"> {
    const instance = Number.isSafeInteger(idInstance) ? await this.deps.instances.find(idInstance) : undefined;
    // A disabled account's instances answer as if they did not exist: 403.
    if (!instance || instance.owner_disabled === 1) return "unknown";
    const presented = Buffer.from(sha256Hex(token), "hex");
    const stored = Buffer.from(instance.token_hash, "hex");
    return presented.length === stored.length && timingSafeEqual(presented, stored) ? instance : "bad-token";
  }

  async revealToken(instance: InstanceRow, origin: RequestOrigin): Promise<string> {
    await this.audit("token_revealed", instance, origin);
    return this.deps.secretBox.open(instance.token_sealed);
  }

  /** A new token; the old one stops working with this write. */
  async rotateToken(instance: InstanceRow, origin: RequestOrigin): Promise<string> {
    const token = createApiToken();
    await this.deps.instances.update(Number(instance.id_instance), {
      token_hash: sha256Hex(token),
      token_sealed: this.deps.secretBox.seal(token),
      updated_at: this.deps.clock.now(),
    });
    await this.audit("token_rotated", instance, origin);
    return token;
  }

  async delete(instance: InstanceRow, origin: RequestOrigin): Promise<void> {
    await this.deps.instances.delete(Number(instance.id_instance));
    await this.audit("instance_deleted", instance, origin);
  }

  /** With the account: every instance goes, and its token stops working with it. */
  async deleteAccountData(userId: string): Promise<void> {
    for (const instance of await this.deps.instances.listForUser(userId)) {
      await this.deps.instances.delete(Number(instance.id_instance));
    }
  }

  /** The account's instances for its export: never a token, nor the webhook's token. */
  async exportAccountData(userId: string): Promise<unknown> {
    return (await this.deps.instances.listForUser(userId)).map((instance) => {
      const { webhookUrlToken: _webhookUrlToken, ...settings } = readSettings(instance.settings);
      return { ...this.details(instance), settings };
    });
  }

  settings(instance: InstanceRow): InstanceSettings {
    return settingsView(instance.settings, instance.wid);
  }

  /** setSettings: saves, then the instance restarts to apply them, as GREEN-API's does. */
  async updateSettings(instance: InstanceRow, changes: z.output<typeof setSettingsSchema>): Promise<void> {
    const settings = await this.deps.instances.mergeSettings(
      Number(instance.id_instance),
      (stored) => JSON.stringify({ ...readSettings(stored), ...changes } satisfies WritableSettings),
      this.deps.clock.now(),
    );
    await this.deps.events.restart({ ...instance, settings });
  }

  async reboot(instance: InstanceRow): Promise<InstanceRow> {
    return this.deps.events.restart(instance);
  }

  async logout(instance: InstanceRow): Promise<void> {
    await this.deps.connector.logout(instance);
  }

  qr(instance: InstanceRow): Promise<QrAnswer> {
    return this.deps.connector.qr(instance);
  }

  async pairingCode(instance: InstanceRow, phoneNumber: string): Promise<{ status: boolean; code: string }> {
    if (instance.state === "authorized" || instance.state === "starting") return { status: false, code: "" };
    return { status: true, code: await this.deps.connector.pairingCode(instance, phoneNumber) };
  }

  summary(instance: InstanceRow): InstanceSummary {
    return {
      idInstance: Number(instance.id_instance),
      name: instance.name,
      stateInstance: instance.state as InstanceState,
      createdAt: new Date(instance.created_at).toISOString(),
    };
  }

  details(instance: InstanceRow): InstanceDetails {
    return {
      ...this.summary(instance),
      typeInstance: "whatsapp",
      apiUrl: this.deps.publicUrl,
      mediaUrl: this.deps.publicUrl,
      wid: instance.wid,
    };
  }
}
