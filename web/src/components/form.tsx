import { useCallback, useEffect, useRef, useState } from "react";
import type { ReactNode, RefObject } from "react";
import { useTranslation } from "react-i18next";
import type { ZodType } from "zod";
import type { ErrorCode, FieldErrorCode } from "../../../shared/errors.js";
import { ApiError, isErrorCode, isFieldErrorCode, NetworkError } from "../api/client.js";

export type FieldErrors<Field extends string> = Partial<Record<Field, FieldErrorCode>>;

/** An error about the whole form: an API error code, or "network" when the server was not reached. */
export interface FormFailure {
  code: ErrorCode | "network";
  /** The server's English message, shown only for a code this app does not know. */
  message?: string;
}

/** Field errors from the shared request schema, so the form says exactly what the server would. */
function validate<Field extends string>(schema: ZodType, values: unknown, fields: readonly Field[]): FieldErrors<Field> | null {
  const result = schema.safeParse(values);
  if (result.success) return null;
  const errors: FieldErrors<Field> = {};
  for (const issue of result.error.issues) {
    const field = fields.find((name) => name === issue.path[0]);
    if (field !== undefined && errors[field] === undefined) {
      errors[field] = isFieldErrorCode(issue.message) ? issue.message : "invalid";
    }
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** Any failed request as a form-level failure. */
export function toFormFailure(error: unknown): FormFailure {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof NetworkError) return { code: "network" };
  return { code: "internal_error" };
}

function describeFailure<Field extends string>(
  error: unknown,
  fields: readonly Field[],
): { fieldErrors: FieldErrors<Field>; formFailure: FormFailure | null } {
  if (!(error instanceof ApiError)) return { fieldErrors: {}, formFailure: toFormFailure(error) };

  const fieldErrors: FieldErrors<Field> = {};
  let unplaced = 0;
  for (const [name, code] of Object.entries(error.body.fields ?? {})) {
    const field = fields.find((candidate) => candidate === name);
    if (field === undefined) unplaced += 1;
    else fieldErrors[field] = isFieldErrorCode(code) ? code : "invalid";
  }
  const placedAll = Object.keys(fieldErrors).length > 0 && unplaced === 0;
  return { fieldErrors, formFailure: error.code === "validation_failed" && placedAll ? null : toFormFailure(error) };
}

/**
 * State of one form: field errors, a form-level failure and the busy flag.
 * `submit` validates with the shared schema, then runs `send` once at a time.
 */
export function useForm<Field extends string>(fields: readonly Field[]) {
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<Field>>({});
  const [formFailure, setFormFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusRequest, setFocusRequest] = useState(0);

  useEffect(() => {
    if (focusRequest > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  const clearFieldError = useCallback((field: Field) => {
    setFieldErrors((previous) => {
      if (previous[field] === undefined) return previous;
      const next = { ...previous };
      delete next[field];
      return next;
    });
  }, []);

  const submit = useCallback(
    async (schema: ZodType, values: unknown, send: () => Promise<void>) => {
      if (busyRef.current) return;
      setFormFailure(null);
      const invalid = validate(schema, values, fields);
      if (invalid) {
        setFieldErrors(invalid);
        setFocusRequest((count) => count + 1);
        return;
      }
      setFieldErrors({});
      busyRef.current = true;
      setBusy(true);
      try {
        await send();
      } catch (error) {
        const failure = describeFailure(error, fields);
        setFieldErrors(failure.fieldErrors);
        setFormFailure(failure.formFailure);
        if (Object.keys(failure.fieldErrors).length > 0) setFocusRequest((count) => count + 1);
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [fields],
  );

  return { formRef, fieldErrors, formFailure, busy, submit, clearFieldError };
}

/**
 * `useForm` that also holds the values; the keys of `initialValues` are the form's fields, and
 * changing a field clears its error. Values extend `Record<string, unknown>` rather than
 * `string | boolean` values, so that an initial `false` is typed boolean, not the literal.
 */
export function useFormValues<Values extends Record<string, unknown>>(initialValues: Values) {
  type Field = keyof Values & string;
  const [initial] = useState(initialValues);
  const [fields] = useState(() => Object.keys(initialValues) as Field[]);
  const form = useForm(fields);
  const { fieldErrors, clearFieldError } = form;
  const [values, setValues] = useState(initialValues);

  function change<F extends Field>(field: F, value: Values[F]) {
    setValues((previous) => ({ ...previous, [field]: value }));
    clearFieldError(field);
  }

  /** Props of a field component bound to `field`: name, value, change handler and error. */
  function fieldProps<F extends Field>(field: F) {
    return {
      name: field,
      value: values[field],
      onValueChange: (value: Values[F]) => change(field, value),
      error: fieldErrors[field],
    };
  }

  function checkboxProps<F extends Field>(field: F) {
    return {
      name: field,
      checked: values[field],
      onCheckedChange: (checked: Values[F]) => change(field, checked),
      error: fieldErrors[field],
    };
  }

  function resetValues() {
    setValues(initial);
  }

  return { ...form, values, change, fieldProps, checkboxProps, resetValues };
}

interface FormProps {
  form: { formRef: RefObject<HTMLFormElement | null>; formFailure: FormFailure | null; busy: boolean };
  submitLabel: string;
  /** "danger" for a form whose submit destroys something. */
  submitVariant?: "primary" | "danger";
  onSubmit: () => void;
  /** Shown above the form-level failure. */
  intro?: ReactNode;
  /** Texts for failures this form words its own way, such as which quota is exceeded. */
  failureTexts?: FailureTexts;
  children: ReactNode;
}

type FailureTexts = Partial<Record<ErrorCode, string>>;

/** A form of the app: the shared schema validates it, so the browser's own validation is off. */
export function Form({
  form: { formRef, formFailure, busy },
  submitLabel,
  submitVariant = "primary",
  onSubmit,
  intro,
  failureTexts,
  children,
}: FormProps) {
  return (
    <form
      ref={formRef}
      className="form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {intro}
      <FormAlert failure={formFailure} texts={failureTexts} />
      {children}
      <SubmitButton busy={busy} variant={submitVariant}>
        {submitLabel}
      </SubmitButton>
    </form>
  );
}

/** A form-level failure in the interface language, announced as it appears; `texts` words some codes for this place. */
export function FormAlert({ failure, texts }: { failure: FormFailure | null; texts?: FailureTexts | undefined }) {
  const { t } = useTranslation();
  if (!failure) return null;
  const own = failure.code === "network" ? undefined : texts?.[failure.code];
  const known = failure.code === "network" || isErrorCode(failure.code);
  return (
    <div role="alert" className="alert alert-error">
      {own ?? (known ? t(`errors.${failure.code}`) : (failure.message ?? t("errors.internal_error")))}
    </div>
  );
}

export function SubmitButton({
  busy,
  variant = "primary",
  children,
}: {
  busy: boolean;
  variant?: "primary" | "danger";
  children: ReactNode;
}) {
  return (
    // aria-disabled rather than disabled keeps the button focused while the request runs.
    <button type="submit" className={`button button-${variant}`} aria-disabled={busy || undefined} aria-busy={busy || undefined}>
      {busy && <span className="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}
