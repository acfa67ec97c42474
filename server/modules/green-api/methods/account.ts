import { z } from "zod";
import { phoneOf } from "../../messaging/ids.js";
import { parseOrThrow, validationFailed } from "../green-api.errors.js";
import { WebhookUrlRefused } from "../../messaging/messaging.service.js";
import type { MethodHandler } from "../method-context.js";
import { setSettingsSchema } from "../../messaging/settings.js";

const countQuery = z.object({ count: z.coerce.number().int().min(1).max(1000).default(100) });
const phoneNumberBody = z.object({
  phoneNumber: z
    .union([z.number().int().positive(), z.string()])
    .transform((value) => String(value))
    .pipe(z.string().regex(/^[1-9]\d{9,14}$/, "Wrong format. 'phoneNumber' must contain only digits")),
});

export const accountMethods: Record<string, MethodHandler> = {
  getSettings: async ({ instance }, { messaging }) => messaging.settings(instance),

  setSettings: async ({ instance, body }, { messaging }) => {
    try {
      await messaging.updateSettings(instance, parseOrThrow(setSettingsSchema, body));
    } catch (error) {
      if (error instanceof WebhookUrlRefused) {
        throw validationFailed(`'webhookUrl' must not point to a loopback, private or link-local address (${error.reason})`);
      }
      throw error;
    }
    return { saveSettings: true };
  },

  getStateInstance: async ({ instance }) => ({ stateInstance: instance.state }),

  getStateInstanceHistory: async ({ instance, query }, { messaging }) => {
    const { count } = parseOrThrow(countQuery, query);
    const events = await messaging.stateHistory(instance, count);
    return events.map((event) => ({
      stateInstance: event.state,
      timestamp: Math.floor(event.occurredAt / 1000),
      phoneNumber: event.phone,
    }));
  },

  getWaSettings: async ({ instance }) => {
    const phone = instance.state === "authorized" ? phoneOf(instance.wid) : "";
    return {
      avatar: "",
      phone,
      stateInstance: instance.state,
      deviceId: phone ? `${phone}:1@s.whatsapp.net` : "",
    };
  },

  // Deprecated by GREEN-API, still called by older integrations: the linked phone as a sandbox
  // phone is (a web page on this server), empty while none is linked.
  getDeviceInfo: async ({ instance }) => {
    const linked = instance.state === "authorized";
    return {
      platform: linked ? "web" : "",
      deviceManufacturer: linked ? "Switchboard" : "",
      deviceModel: linked ? "Sandbox phone" : "",
      osVersion: "",
      waVersion: "",
      battery: linked ? 100 : 0,
    };
  },

  // Deprecated: whether the instance's connection to the network is up.
  getStatusInstance: async ({ instance }) => ({ statusInstance: instance.state === "authorized" ? "online" : "offline" }),

  reboot: async ({ instance }, { messaging }) => {
    await messaging.reboot(instance);
    return { isReboot: true };
  },

  logout: async ({ instance }, { messaging }) => {
    await messaging.logout(instance);
    return { isLogout: true };
  },

  qr: async ({ instance }, { messaging }) => {
    const answer = await messaging.qr(instance);
    return { type: answer.type, message: answer.message };
  },

  getAuthorizationCode: async ({ instance, body }, { messaging }) => {
    const { phoneNumber } = parseOrThrow(phoneNumberBody, body);
    return messaging.pairingCode(instance, String(phoneNumber));
  },

  updateApiToken: async ({ instance, origin }, { messaging }) => ({ apiTokenInstance: await messaging.rotateToken(instance, origin) }),
};
