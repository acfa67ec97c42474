import { Trans, useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { z } from "zod";
import { registrationRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { RegistrationRequest } from "../../../../shared/accounts.schemas.js";
import { register } from "../../api/console.js";
import { CheckboxField } from "../../components/checkbox-field.js";
import { CountryCombobox } from "../../components/country-combobox.js";
import { Form, useFormValues } from "../../components/form.js";
import { contextPasswordRule } from "../../components/password-context-rule.js";
import { PasswordField } from "../../components/password-field.js";
import { PasswordStrength } from "../../components/password-strength.js";
import { AuthPage } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";
import { currentLanguage } from "../../i18n/index.js";
import { useEnterConsole } from "./session.js";

const registrationFormSchema = registrationRequestSchema.superRefine(
  ...contextPasswordRule<z.output<typeof registrationRequestSchema>>("password", (value) => value.email),
);

export function RegisterPage() {
  const { t } = useTranslation();
  const enterConsole = useEnterConsole();
  const form = useFormValues({ email: "", password: "", passwordRepeat: "", country: "", agreementAccepted: false });

  function onSubmit() {
    const input = { ...form.values, language: currentLanguage() };
    void form.submit(registrationFormSchema, input, async () => {
      // The schema accepted the input, so the agreement box is ticked.
      enterConsole(await register({ ...input, agreementAccepted: true } satisfies RegistrationRequest));
    });
  }

  return (
    <AuthPage title={t("register.title")} formSwitch={<Link to="/login">{t("register.haveAccount")}</Link>}>
      <Form form={form} submitLabel={t("register.submit")} onSubmit={onSubmit}>
        <EmailField id="register-email" label={t("common.email")} {...form.fieldProps("email")} />
        <PasswordField
          id="register-password"
          label={t("register.password")}
          autoComplete="new-password"
          showLengthHint
          strengthMeter={<PasswordStrength password={form.values.password} email={form.values.email} />}
          {...form.fieldProps("password")}
        />
        <PasswordField
          id="register-password-repeat"
          label={t("register.passwordRepeat")}
          autoComplete="new-password"
          {...form.fieldProps("passwordRepeat")}
        />
        <CountryCombobox id="register-country" label={t("register.country")} {...form.fieldProps("country")} />
        <CheckboxField
          id="register-agreement"
          label={
            <Trans i18nKey="register.agreement" components={{ agreement: <a href="/user-agreement" target="_blank" rel="noopener" /> }} />
          }
          {...form.checkboxProps("agreementAccepted")}
        />
      </Form>
    </AuthPage>
  );
}
