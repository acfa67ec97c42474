import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { loginRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { LoginRequest } from "../../../../shared/accounts.schemas.js";
import { login } from "../../api/console.js";
import { CheckboxField } from "../../components/checkbox-field.js";
import { Form, useFormValues } from "../../components/form.js";
import { PasswordField } from "../../components/password-field.js";
import { AuthPage } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";
import { chosenLanguage } from "../../i18n/index.js";
import { useEnterConsole } from "./session.js";

export function LoginPage() {
  const { t } = useTranslation();
  const enterConsole = useEnterConsole();
  const form = useFormValues({ email: "", password: "", rememberMe: false });

  function onSubmit() {
    // Only a language picked in this browser goes along; otherwise the account keeps its own.
    const language = chosenLanguage();
    const request: LoginRequest = { ...form.values, ...(language ? { language } : {}) };
    void form.submit(loginRequestSchema, request, async () => enterConsole(await login(request)));
  }

  return (
    <AuthPage
      title={t("login.title")}
      formSwitch={
        <>
          {t("login.noAccount")} <Link to="/register">{t("login.register")}</Link>
        </>
      }
    >
      <Form form={form} submitLabel={t("login.submit")} onSubmit={onSubmit}>
        <EmailField id="login-email" label={t("common.email")} {...form.fieldProps("email")} />
        <PasswordField id="login-password" label={t("login.password")} autoComplete="current-password" {...form.fieldProps("password")} />
        <div className="form-row">
          <CheckboxField id="login-remember" label={t("login.rememberMe")} {...form.checkboxProps("rememberMe")} />
          <Link to="/forgot-password">{t("login.forgot")}</Link>
        </div>
      </Form>
    </AuthPage>
  );
}
