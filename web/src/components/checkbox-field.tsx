import type { ReactNode } from "react";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { FieldError, fieldDescription } from "./field-error.js";

interface CheckboxFieldProps {
  id: string;
  label: ReactNode;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  error?: FieldErrorCode | undefined;
  name?: string;
}

export function CheckboxField({ id, label, checked, onCheckedChange, error, name }: CheckboxFieldProps) {
  return (
    <div className="field field-checkbox">
      <div className="checkbox-row">
        <input
          id={id}
          name={name}
          type="checkbox"
          checked={checked}
          onChange={(event) => onCheckedChange(event.target.checked)}
          {...fieldDescription(id, { error })}
        />
        <label htmlFor={id}>{label}</label>
      </div>
      <FieldError fieldId={id} code={error} />
    </div>
  );
}
