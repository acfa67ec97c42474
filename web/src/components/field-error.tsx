import type { ReactNode } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link } from "react-router";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../../shared/limits.js";
import type { FieldErrorCode } from "../../../shared/errors.js";

export function fieldErrorId(fieldId: string): string {
  return `${fieldId}-error`;
}

export function fieldHintId(fieldId: string): string {
  return `${fieldId}-hint`;
}

/** The ARIA wiring of a field to its hint and error; spread it on the input. */
export function fieldDescription(
  fieldId: string,
  { hint, error }: { hint?: unknown; error?: FieldErrorCode | undefined },
): { "aria-describedby"?: string; "aria-invalid"?: true } {
  const ids = [hint ? fieldHintId(fieldId) : undefined, error ? fieldErrorId(fieldId) : undefined].filter(Boolean);
  return {
    ...(ids.length > 0 ? { "aria-describedby": ids.join(" ") } : {}),
    ...(error ? { "aria-invalid": true as const } : {}),
  };
}

export function FieldHint({ fieldId, children }: { fieldId: string; children: ReactNode }) {
  return (
    <p id={fieldHintId(fieldId)} className="field-hint">
      {children}
    </p>
  );
}

/** The message for one field's error code, shown beside the field. */
export function FieldError({ fieldId, code }: { fieldId: string; code: FieldErrorCode | undefined }) {
  const { t } = useTranslation();
  if (!code) return null;
  return (
    <p id={fieldErrorId(fieldId)} className="field-error">
      {code === "email_taken" ? (
        <Trans i18nKey="fieldErrors.email_taken" components={{ login: <Link to="/login" /> }} />
      ) : (
        t(`fieldErrors.${code}`, { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
      )}
    </p>
  );
}
