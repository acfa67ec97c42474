import { useState } from "react";
import { useTranslation } from "react-i18next";
import { passwordChangeRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { PasswordChangeRequest } from "../../../../shared/accounts.schemas.js";
import { changePassword } from "../../api/console.js";
import { Form, useFormValues } from "../../components/form.js";
import { PasswordField } from "../../components/password-field.js";
import { useSession } from "../auth/session.js";

const EMPTY: PasswordChangeRequest = { currentPassword: "", newPassword: "", newPasswordRepeat: "" };

export function ChangePasswordForm() {
  const { t } = useTranslation();
  const { updateAccount } = useSession();
  const form = useFormValues(EMPTY);
  const [changed, setChanged] = useState(false);

  function passwordProps(field: keyof PasswordChangeRequest) {
    return {
      ...form.fieldProps(field),
      onValueChange: (value: string) => {
        setChanged(false);
        form.change(field, value);
      },
    };
  }

  function onSubmit() {
    setChanged(false);
    const request = form.values;
    void form.submit(passwordChangeRequestSchema, request, async () => {
      const account = await changePassword(request);
      form.resetValues();
      setChanged(true);
      updateAccount(account);
    });
  }

  return (
    <section className="card console-card">
      <h2>{t("account.changePassword.title")}</h2>
      <Form form={form} submitLabel={t("account.changePassword.submit")} onSubmit={onSubmit}>
        <PasswordField
          id="current-password"
          label={t("account.changePassword.current")}
          autoComplete="current-password"
          {...passwordProps("currentPassword")}
        />
        <PasswordField
          id="new-password"
          label={t("account.changePassword.new")}
          autoComplete="new-password"
          showLengthHint
          {...passwordProps("newPassword")}
        />
        <PasswordField
          id="new-password-repeat"
          label={t("account.changePassword.repeat")}
          autoComplete="new-password"
          {...passwordProps("newPasswordRepeat")}
        />
      </Form>
      <div role="status" className="status-region">
        {changed && <p className="alert alert-success">{t("account.changePassword.done")}</p>}
      </div>
    </section>
  );
}
