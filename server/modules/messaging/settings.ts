import { z } from "zod";
import {
  DEFAULT_SETTINGS,
  MAX_SEND_DELAY_MS,
  MIN_SEND_DELAY_MS,
  YES_NO_SETTINGS,
  type InstanceSettings,
  type WritableSettings,
} from "../../../shared/green-api.js";

const yesNo = z.enum(["yes", "no"]);

/** setSettings: any subset of the writable fields, at least one, nothing else. */
export const setSettingsSchema = z
  .strictObject({
    webhookUrl: z
      .string()
      .max(2048)
      .refine((value) => value === "" || /^https?:\/\/\S+$/.test(value), "'webhookUrl' must be a valid uri"),
    webhookUrlToken: z.string().max(512),
    delaySendMessagesMilliseconds: z.number().int().min(MIN_SEND_DELAY_MS).max(MAX_SEND_DELAY_MS),
    ...(Object.fromEntries(YES_NO_SETTINGS.map((name) => [name, yesNo])) as Record<(typeof YES_NO_SETTINGS)[number], typeof yesNo>),
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, "'value' must have at least 1 key");

export function readSettings(stored: string): WritableSettings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(stored) as Partial<WritableSettings>) };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** The getSettings answer: writable fields plus the read-only and legacy ones GREEN-API still returns. */
export function settingsView(settings: Readonly<WritableSettings>, wid: string): InstanceSettings {
  return {
    wid,
    countryInstance: "",
    typeAccount: "",
    sharedSession: "no",
    proxyInstance: "",
    statusInstanceWebhook: "no",
    ...settings,
  };
}
