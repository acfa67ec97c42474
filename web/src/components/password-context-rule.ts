import type { z } from "zod";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { isBuiltFromContext } from "../../../shared/password-context.js";

const PASSWORD_CONTEXT: FieldErrorCode = "password_context";

/**
 * Arguments for a request schema's `superRefine`: marks `field` with password_context when the
 * new password is made of the account's context words, so the form says so before the server does.
 * It runs even when other fields failed, so that every error shows at once.
 */
export function contextPasswordRule<Value>(field: keyof Value & string, emailOf: (value: Value) => unknown) {
  return [
    (value: Value, ctx: z.RefinementCtx) => {
      const password = value[field];
      const email = emailOf(value);
      if (typeof password === "string" && typeof email === "string" && isBuiltFromContext(password, email)) {
        ctx.addIssue({ code: "custom", path: [field], message: PASSWORD_CONTEXT });
      }
    },
    {
      when: (payload: { value: unknown }) => typeof payload.value === "object" && payload.value !== null,
    },
  ] as const;
}
