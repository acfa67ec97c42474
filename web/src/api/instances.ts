import { z } from "zod";
import { YES_NO_SETTINGS } from "../../../shared/green-api.js";
import type { WritableSettings, YesNoSetting } from "../../../shared/green-api.js";
import {
  instanceListResponseSchema,
  instanceQrResponseSchema,
  instanceResponseSchema,
  instanceTokenResponseSchema,
  pairingCodeResponseSchema,
} from "../../../shared/instances.schemas.js";
import type { CreateInstanceRequest, InstanceDetails, InstanceQrResponse, InstanceSummary } from "../../../shared/instances.schemas.js";
import { apiRequest } from "./client.js";
import { parseAnswer } from "./parse.js";

const base = "/api/console/instances";
const path = (idInstance: number, action = "") => `${base}/${idInstance}${action ? `/${action}` : ""}`;

export async function listInstances(): Promise<InstanceSummary[]> {
  return parseAnswer(instanceListResponseSchema, await apiRequest("GET", base)).instances;
}

export async function createInstance(request: CreateInstanceRequest): Promise<InstanceDetails> {
  return parseAnswer(instanceResponseSchema, await apiRequest("POST", base, request)).instance;
}

export async function getInstance(idInstance: number): Promise<InstanceDetails> {
  return parseAnswer(instanceResponseSchema, await apiRequest("GET", path(idInstance))).instance;
}

export async function deleteInstance(idInstance: number): Promise<void> {
  await apiRequest("DELETE", path(idInstance));
}

export async function getInstanceToken(idInstance: number): Promise<string> {
  return parseAnswer(instanceTokenResponseSchema, await apiRequest("GET", path(idInstance, "token"))).apiTokenInstance;
}

/** A new token; the old one stops working at once. */
export async function regenerateInstanceToken(idInstance: number): Promise<string> {
  return parseAnswer(instanceTokenResponseSchema, await apiRequest("POST", path(idInstance, "token"))).apiTokenInstance;
}

export async function rebootInstance(idInstance: number): Promise<InstanceDetails> {
  return parseAnswer(instanceResponseSchema, await apiRequest("POST", path(idInstance, "reboot"))).instance;
}

export async function logoutInstance(idInstance: number): Promise<InstanceDetails> {
  return parseAnswer(instanceResponseSchema, await apiRequest("POST", path(idInstance, "logout"))).instance;
}

export async function getInstanceQr(idInstance: number): Promise<InstanceQrResponse> {
  return parseAnswer(instanceQrResponseSchema, await apiRequest("GET", path(idInstance, "qr")));
}

/** A code to type on the sandbox phone whose number is given. */
export async function getPairingCode(idInstance: number, phoneNumber: string): Promise<string> {
  const answer = await apiRequest("POST", path(idInstance, "pairing-code"), { phoneNumber });
  return parseAnswer(pairingCodeResponseSchema, answer).code;
}

const yesNo = z.enum(["yes", "no"]);

/** The writable part of getSettings; the read-only and legacy fields are not shown in the console. */
const settingsSchema = z.object({
  webhookUrl: z.string(),
  webhookUrlToken: z.string(),
  delaySendMessagesMilliseconds: z.number(),
  ...(Object.fromEntries(YES_NO_SETTINGS.map((name) => [name, yesNo])) as Record<YesNoSetting, typeof yesNo>),
});

export async function getInstanceSettings(idInstance: number): Promise<WritableSettings> {
  return parseAnswer(settingsSchema, await apiRequest("GET", path(idInstance, "settings")));
}

export async function saveInstanceSettings(idInstance: number, settings: Partial<WritableSettings>): Promise<void> {
  await apiRequest("PUT", path(idInstance, "settings"), settings);
}
