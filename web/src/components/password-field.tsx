import { useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { PASSWORD_MIN_LENGTH } from "../../../shared/limits.js";
import { FieldError, FieldHint, fieldDescription } from "./field-error.js";

interface PasswordFieldProps {
  id: string;
  name: string;
  label: string;
  autoComplete: "current-password" | "new-password";
  value: string;
  onValueChange: (value: string) => void;
  error?: FieldErrorCode | undefined;
  /** Shows "At least 8 characters" under a password being chosen. */
  showLengthHint?: boolean;
  /** Shown right under the input, such as the strength meter of a password being chosen. */
  strengthMeter?: ReactNode;
}

/** Every password input of the app: a visible label, a show/hide toggle, hint and error. */
export function PasswordField({
  id,
  name,
  label,
  autoComplete,
  value,
  onValueChange,
  error,
  showLengthHint = false,
  strengthMeter,
}: PasswordFieldProps) {
  const { t } = useTranslation();
  const [visible, setVisible] = useState(false);
  const hint = showLengthHint ? t("common.passwordHint", { min: PASSWORD_MIN_LENGTH }) : undefined;
  const toggleName = visible ? t("common.hidePassword") : t("common.showPassword");

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="password-input">
        <input
          id={id}
          name={name}
          className="input"
          type={visible ? "text" : "password"}
          autoComplete={autoComplete}
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          dir="ltr"
          value={value}
          onChange={(event) => onValueChange(event.target.value)}
          {...fieldDescription(id, { hint, error })}
        />
        {/* The name is the button's text, not aria-label, so it never competes with the input's label. */}
        <button
          type="button"
          className="password-toggle"
          aria-controls={id}
          title={toggleName}
          onClick={() => setVisible((shown) => !shown)}
        >
          <EyeIcon crossed={visible} />
          <span className="visually-hidden">{toggleName}</span>
        </button>
      </div>
      {strengthMeter}
      {hint && <FieldHint fieldId={id}>{hint}</FieldHint>}
      <FieldError fieldId={id} code={error} />
    </div>
  );
}

function EyeIcon({ crossed }: { crossed: boolean }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
      <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
      {crossed && <path d="M4 20 20 4" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />}
    </svg>
  );
}
