import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { FieldError, FieldHint, fieldErrorId, fieldHintId } from "./field-error.js";
import { formatByteSize } from "./format-size.js";

interface FileFieldProps {
  id: string;
  name?: string;
  /** Also the text of the button that opens the picker: "Attach file". */
  label: string;
  value: File | null;
  onValueChange: (file: File | null) => void;
  error?: FieldErrorCode | undefined;
  hint?: string;
}

/**
 * One file to send: a button that opens the browser's picker (its own input stays out of sight,
 * since it speaks the browser's language rather than the interface's), then the chosen file's name
 * and size with Remove.
 */
export function FileField({ id, name, label, value, onValueChange, error, hint }: FileFieldProps) {
  const { t } = useTranslation();
  const inputRef = useRef<HTMLInputElement>(null);
  const chosenId = `${id}-chosen`;

  // A cleared value (Remove, or the form reset after sending) empties the input too, so that
  // picking the same file again is a change the input reports.
  useEffect(() => {
    if (value === null && inputRef.current) inputRef.current.value = "";
  }, [value]);

  const describedBy = [value ? chosenId : undefined, hint ? fieldHintId(id) : undefined, error ? fieldErrorId(id) : undefined].filter(
    Boolean,
  );

  return (
    <div className="field file-field">
      <input
        ref={inputRef}
        id={id}
        name={name}
        type="file"
        className="file-input"
        onChange={(event) => onValueChange(event.currentTarget.files?.[0] ?? null)}
        aria-describedby={describedBy.length > 0 ? describedBy.join(" ") : undefined}
        aria-invalid={error ? true : undefined}
      />
      <label htmlFor={id} className="button button-secondary button-small file-button">
        <AttachIcon />
        {label}
      </label>
      {value && (
        <p className="file-chosen">
          {/* The name and size describe the input; the button beside them is not part of that. */}
          <span id={chosenId} className="file-chosen-file">
            <bdi className="file-chosen-name">{value.name}</bdi> <span className="file-chosen-size">{formatByteSize(value.size)}</span>
          </span>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => {
              onValueChange(null);
              // The button goes with the file: the focus returns to the picker.
              inputRef.current?.focus();
            }}
          >
            {t("file.remove")}
            <span className="visually-hidden"> {value.name}</span>
          </button>
        </p>
      )}
      {hint && <FieldHint fieldId={id}>{hint}</FieldHint>}
      <FieldError fieldId={id} code={error} />
    </div>
  );
}

function AttachIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        d="M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.1-8.1a3.3 3.3 0 0 1 4.7 4.7l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
