import type { ZodType } from "zod";
import { ApiError } from "./client.js";

/** Checks a success answer against its shared schema; an answer of another shape is a server fault. */
export function parseAnswer<T>(schema: ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError(200, { error: "internal_error", message: "Unexpected answer from the server" });
  }
  return parsed.data;
}
