import { z } from "zod";
import { INSTANCE_STATES } from "./green-api.js";

/** Console view of an instance. The token is fetched on its own, only when revealed. */
export const instanceSummarySchema = z.object({
  idInstance: z.number().int(),
  name: z.string(),
  stateInstance: z.enum(INSTANCE_STATES),
  /** ISO 8601 */
  createdAt: z.string(),
});
export type InstanceSummary = z.infer<typeof instanceSummarySchema>;

export const instanceDetailsSchema = instanceSummarySchema.extend({
  /** GREEN-API's typeInstance, from the instance's connector. */
  typeInstance: z.string(),
  apiUrl: z.string(),
  mediaUrl: z.string(),
  /** The linked phone's chat id, such as 79001234567@c.us, or "" when not linked. */
  wid: z.string(),
});
export type InstanceDetails = z.infer<typeof instanceDetailsSchema>;

export const instanceNameSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "required" : "invalid") })
  .transform((value) => value.trim())
  .pipe(z.string().min(1, "required").max(100, "too_long"));

export const createInstanceRequestSchema = z.strictObject({ name: instanceNameSchema });
export type CreateInstanceRequest = z.input<typeof createInstanceRequestSchema>;

export const instanceListResponseSchema = z.object({ instances: z.array(instanceSummarySchema) });
export const instanceResponseSchema = z.object({ instance: instanceDetailsSchema });
export const instanceTokenResponseSchema = z.object({ apiTokenInstance: z.string() });

/**
 * Linking, as the console shows it: the QR code image (PNG, base64) encodes
 * `link`, a sandbox URL that links the instance when a sandbox phone opens it.
 */
export const instanceQrResponseSchema = z.object({
  type: z.enum(["qrCode", "alreadyLogged", "error"]),
  message: z.string(),
  link: z.string().optional(),
  /** Milliseconds until this QR code is replaced. */
  expiresInMs: z.number().optional(),
});
export type InstanceQrResponse = z.infer<typeof instanceQrResponseSchema>;

export const pairingCodeRequestSchema = z.strictObject({
  phoneNumber: z
    .union([z.number().int(), z.string()])
    .transform((value) => String(value))
    .pipe(z.string().regex(/^[1-9]\d{9,14}$/, "invalid")),
});
export const pairingCodeResponseSchema = z.object({ status: z.boolean(), code: z.string() });
