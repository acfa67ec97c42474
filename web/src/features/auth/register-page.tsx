import { useState } from "react";
import type { FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { registrationRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { RegistrationRequest } from "../../../../shared/accounts.schemas.js";
import { register } from "../../api/console.js";
import { CheckboxField } from "../../components/checkbox-field.js";
import { CountryCombobox } from "../../components/country-combobox.js";
import { FormAlert, SubmitButton, useForm } from "../../components/form.js";
import { LanguageSelect } from "../../components/language-select.js";
import { usePageTitle } from "../../components/page-title.js";
import { PasswordField } from "../../components/password-field.js";
import { AuthCard, PublicLayout } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";
import { currentLanguage } from "../../i18n/index.js";
import { consoleHome, useSession } from "./session.js";

const FIELDS = ["email", "password", "passwordRepeat", "country", "agreementAccepted"] as const;
type Field = (typeof FIELDS)[number];

export function RegisterPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const { formRef, fieldErrors, formFailure, busy, submit, clearFieldError } = useForm(FIELDS);
  const [values, setValues] = useState({
    email: "",
    password: "",
    passwordRepeat: "",
    country: "",
    agreementAccepted: false,
  });
  usePageTitle(t("register.title"));

  function change<F extends Field>(field: F, value: (typeof values)[F]) {
    setValues((previous) => ({ ...previous, [field]: value }));
    clearFieldError(field);
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = { ...values, language: currentLanguage() };
    void submit(registrationRequestSchema, input, async () => {
      // The schema accepted the input, so the agreement box is ticked.
      const account = await register({ ...input, agreementAccepted: true } satisfies RegistrationRequest);
      signIn(account);
      navigate(consoleHome(account), { replace: true });
    });
  }

  return (
    <PublicLayout>
      <AuthCard title={t("register.title")}>
        <form ref={formRef} className="form" noValidate onSubmit={onSubmit}>
          <FormAlert failure={formFailure} />
          <EmailField
            id="register-email"
            name="email"
            label={t("common.email")}
            value={values.email}
            onValueChange={(value) => change("email", value)}
            error={fieldErrors.email}
          />
          <PasswordField
            id="register-password"
            name="password"
            label={t("register.password")}
            autoComplete="new-password"
            showLengthHint
            value={values.password}
            onValueChange={(value) => change("password", value)}
            error={fieldErrors.password}
          />
          <PasswordField
            id="register-password-repeat"
            name="passwordRepeat"
            label={t("register.passwordRepeat")}
            autoComplete="new-password"
            value={values.passwordRepeat}
            onValueChange={(value) => change("passwordRepeat", value)}
            error={fieldErrors.passwordRepeat}
          />
          <CountryCombobox
            id="register-country"
            label={t("register.country")}
            value={values.country}
            onValueChange={(code) => change("country", code)}
            error={fieldErrors.country}
          />
          <CheckboxField
            id="register-agreement"
            name="agreementAccepted"
            label={
              <Trans
                i18nKey="register.agreement"
                components={{ agreement: <a href="/user-agreement" target="_blank" rel="noopener" /> }}
              />
            }
            checked={values.agreementAccepted}
            onCheckedChange={(checked) => change("agreementAccepted", checked)}
            error={fieldErrors.agreementAccepted}
          />
          <SubmitButton busy={busy}>{t("register.submit")}</SubmitButton>
        </form>
        <p className="form-switch">
          <Link to="/login">{t("register.haveAccount")}</Link>
        </p>
        <div className="card-footer">
          <LanguageSelect />
        </div>
      </AuthCard>
    </PublicLayout>
  );
}
