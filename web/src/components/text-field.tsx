import type { InputHTMLAttributes } from "react";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { FieldError, FieldHint, fieldDescription } from "./field-error.js";

interface TextFieldProps extends Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "id" | "value" | "onChange" | "aria-describedby" | "aria-invalid"
> {
  id: string;
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  error?: FieldErrorCode | undefined;
  hint?: string;
}

export function TextField({ id, label, value, onValueChange, error, hint, ...inputProps }: TextFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...inputProps}
        id={id}
        className="input"
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        {...fieldDescription(id, { hint, error })}
      />
      {hint && <FieldHint fieldId={id}>{hint}</FieldHint>}
      <FieldError fieldId={id} code={error} />
    </div>
  );
}

/** The email input every form uses. */
export function EmailField(props: Omit<TextFieldProps, "type" | "autoComplete">) {
  return <TextField {...props} type="email" autoComplete="email" inputMode="email" spellCheck={false} autoCapitalize="none" dir="ltr" />;
}
