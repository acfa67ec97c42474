import { z } from "zod";
import { phoneNumberSchema } from "../../../shared/sandbox.schemas.js";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { TextField } from "./text-field.js";

/** What people type ("+7 900 123-45-67") as the API wants it ("79001234567"). */
export function normalizePhoneNumber(typed: string): string {
  return typed.replace(/[\s()\-.]/g, "").replace(/^\+/, "");
}

/** "required" when empty, otherwise the shared rule: 10 to 15 digits, no leading zero. */
export const phoneNumberInputSchema = z.string().min(1, "required").pipe(phoneNumberSchema);

interface PhoneNumberFieldProps {
  id: string;
  name?: string;
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  error?: FieldErrorCode | undefined;
  hint?: string;
  autoFocus?: boolean;
}

/** A phone number input: digits, left-to-right in every language. */
export function PhoneNumberField(props: PhoneNumberFieldProps) {
  return <TextField {...props} type="text" inputMode="tel" autoComplete="off" spellCheck={false} dir="ltr" />;
}
