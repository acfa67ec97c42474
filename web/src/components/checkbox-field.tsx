import type { ReactNode } from "react";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { FieldError, FieldHint, fieldDescription } from "./field-error.js";

interface CheckboxFieldProps {
  id: string;
  label: ReactNode;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  error?: FieldErrorCode | undefined;
  name?: string;
  /** A line under the label, read out with the field. */
  hint?: string;
  labelClassName?: string;
}

export function CheckboxField({ id, label, checked, onCheckedChange, error, name, hint, labelClassName }: CheckboxFieldProps) {
  const labelElement = (
    <label htmlFor={id} className={labelClassName}>
      {label}
    </label>
  );
  return (
    <div className="field field-checkbox">
      <div className="checkbox-row">
        <input
          id={id}
          name={name}
          type="checkbox"
          checked={checked}
          onChange={(event) => onCheckedChange(event.target.checked)}
          {...fieldDescription(id, { hint, error })}
        />
        {hint ? (
          <div>
            {labelElement}
            <FieldHint fieldId={id}>{hint}</FieldHint>
          </div>
        ) : (
          labelElement
        )}
      </div>
      <FieldError fieldId={id} code={error} />
    </div>
  );
}
