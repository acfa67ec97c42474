import { z } from "zod";
import { phoneOf } from "../ids.js";
import { parseOrThrow } from "../green-api.errors.js";
import type { MethodHandler } from "../method-context.js";
import { setSettingsSchema } from "../settings.js";

const countQuery = z.object({ count: z.coerce.number().int().min(1).max(1000).default(100) });
const phoneNumberBody = z.object({
  phoneNumber: z
    .union([z.number().int().positive(), z.string()])
    .transform((value) => String(value))
    .pipe(z.string().regex(/^[1-9]\d{9,14}$/, "Wrong format. 'phoneNumber' must contain only digits")),
});

export const accountMethods: Record<string, MethodHandler> = {
  getSettings: async ({ instance }, { instances }) => instances.settings(instance),

  setSettings: async ({ instance, body }, { instances }) => {
    await instances.updateSettings(instance, parseOrThrow(setSettingsSchema, body));
    return { saveSettings: true };
  },

  getStateInstance: async ({ instance }) => ({ stateInstance: instance.state }),

  getStateInstanceHistory: async ({ instance, query }, { instanceRows }) => {
    const { count } = parseOrThrow(countQuery, query);
    const events = await instanceRows.listStateHistory(Number(instance.id_instance), count);
    return events.map((event) => ({
      stateInstance: event.state,
      timestamp: Math.floor(event.occurred_at / 1000),
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

  reboot: async ({ instance }, { instances }) => {
    await instances.reboot(instance);
    return { isReboot: true };
  },

  logout: async ({ instance }, { instances }) => {
    await instances.logout(instance);
    return { isLogout: true };
  },

  qr: async ({ instance }, { instances }) => {
    const answer = await instances.qr(instance);
    return { type: answer.type, message: answer.message };
  },

  getAuthorizationCode: async ({ instance, body }, { instances }) => {
    const { phoneNumber } = parseOrThrow(phoneNumberBody, body);
    return instances.pairingCode(instance, String(phoneNumber));
  },

  updateApiToken: async ({ instance, origin }, { instances }) => ({ apiTokenInstance: await instances.rotateToken(instance, origin) }),
};
