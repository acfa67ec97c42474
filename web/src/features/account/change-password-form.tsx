import { useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { passwordChangeRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { PasswordChangeRequest } from "../../../../shared/accounts.schemas.js";
import { changePassword } from "../../api/console.js";
import { FormAlert, SubmitButton, useForm } from "../../components/form.js";
import { PasswordField } from "../../components/password-field.js";
import { useSession } from "../auth/session.js";

const FIELDS = ["currentPassword", "newPassword", "newPasswordRepeat"] as const;
type Field = (typeof FIELDS)[number];

const EMPTY: PasswordChangeRequest = { currentPassword: "", newPassword: "", newPasswordRepeat: "" };

export function ChangePasswordForm() {
  const { t } = useTranslation();
  const { updateAccount } = useSession();
  const { formRef, fieldErrors, formFailure, busy, submit, clearFieldError } = useForm(FIELDS);
  const [values, setValues] = useState(EMPTY);
  const [changed, setChanged] = useState(false);

  function change(field: Field, value: string) {
    setValues((previous) => ({ ...previous, [field]: value }));
    setChanged(false);
    clearFieldError(field);
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setChanged(false);
    void submit(passwordChangeRequestSchema, values, async () => {
      const account = await changePassword(values);
      setValues(EMPTY);
      setChanged(true);
      updateAccount(account);
    });
  }

  return (
    <section className="card console-card">
      <h2>{t("account.changePassword.title")}</h2>
      <form ref={formRef} className="form" noValidate onSubmit={onSubmit}>
        <FormAlert failure={formFailure} />
        <PasswordField
          id="current-password"
          name="currentPassword"
          label={t("account.changePassword.current")}
          autoComplete="current-password"
          value={values.currentPassword}
          onValueChange={(value) => change("currentPassword", value)}
          error={fieldErrors.currentPassword}
        />
        <PasswordField
          id="new-password"
          name="newPassword"
          label={t("account.changePassword.new")}
          autoComplete="new-password"
          showLengthHint
          value={values.newPassword}
          onValueChange={(value) => change("newPassword", value)}
          error={fieldErrors.newPassword}
        />
        <PasswordField
          id="new-password-repeat"
          name="newPasswordRepeat"
          label={t("account.changePassword.repeat")}
          autoComplete="new-password"
          value={values.newPasswordRepeat}
          onValueChange={(value) => change("newPasswordRepeat", value)}
          error={fieldErrors.newPasswordRepeat}
        />
        <SubmitButton busy={busy}>{t("account.changePassword.submit")}</SubmitButton>
      </form>
      <div role="status" className="status-region">
        {changed && <p className="alert alert-success">{t("account.changePassword.done")}</p>}
      </div>
    </section>
  );
}
