import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { z } from "zod";
import { passwordChangeRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { PasswordChangeRequest } from "../../../../shared/accounts.schemas.js";
import { changePassword } from "../../api/console.js";
import { Form, useFormValues } from "../../components/form.js";
import { contextPasswordRule } from "../../components/password-context-rule.js";
import { PasswordField } from "../../components/password-field.js";
import { PasswordStrength } from "../../components/password-strength.js";
import { useSession } from "../auth/session.js";

const EMPTY: PasswordChangeRequest = { currentPassword: "", newPassword: "", newPasswordRepeat: "" };

export function ChangePasswordForm() {
  const { t } = useTranslation();
  const { state, updateAccount } = useSession();
  const email = state.status === "signed-in" ? state.account.email : "";
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
    const schema = passwordChangeRequestSchema.superRefine(
      ...contextPasswordRule<z.output<typeof passwordChangeRequestSchema>>("newPassword", () => email),
    );
    void form.submit(schema, request, async () => {
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
          strengthMeter={<PasswordStrength password={form.values.newPassword} email={email} />}
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
