import { useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { loginRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { LoginRequest } from "../../../../shared/accounts.schemas.js";
import { login } from "../../api/console.js";
import { CheckboxField } from "../../components/checkbox-field.js";
import { FormAlert, SubmitButton, useForm } from "../../components/form.js";
import { LanguageSelect } from "../../components/language-select.js";
import { usePageTitle } from "../../components/page-title.js";
import { PasswordField } from "../../components/password-field.js";
import { AuthCard, PublicLayout } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";
import { chosenLanguage } from "../../i18n/index.js";
import { consoleHome, useSession } from "./session.js";

const FIELDS = ["email", "password", "rememberMe"] as const;

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const { formRef, fieldErrors, formFailure, busy, submit, clearFieldError } = useForm(FIELDS);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [rememberMe, setRememberMe] = useState(false);
  usePageTitle(t("login.title"));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Only a language picked in this browser goes along; otherwise the account keeps its own.
    const language = chosenLanguage();
    const request: LoginRequest = { email, password, rememberMe, ...(language ? { language } : {}) };
    void submit(loginRequestSchema, request, async () => {
      const account = await login(request);
      signIn(account);
      navigate(consoleHome(account), { replace: true });
    });
  }

  return (
    <PublicLayout>
      <AuthCard title={t("login.title")}>
        <form ref={formRef} className="form" noValidate onSubmit={onSubmit}>
          <FormAlert failure={formFailure} />
          <EmailField
            id="login-email"
            name="email"
            label={t("common.email")}
            value={email}
            onValueChange={(value) => {
              setEmail(value);
              clearFieldError("email");
            }}
            error={fieldErrors.email}
          />
          <PasswordField
            id="login-password"
            name="password"
            label={t("login.password")}
            autoComplete="current-password"
            value={password}
            onValueChange={(value) => {
              setPassword(value);
              clearFieldError("password");
            }}
            error={fieldErrors.password}
          />
          <div className="form-row">
            <CheckboxField
              id="login-remember"
              name="rememberMe"
              label={t("login.rememberMe")}
              checked={rememberMe}
              onCheckedChange={setRememberMe}
              error={fieldErrors.rememberMe}
            />
            <Link to="/forgot-password">{t("login.forgot")}</Link>
          </div>
          <SubmitButton busy={busy}>{t("login.submit")}</SubmitButton>
        </form>
        <p className="form-switch">
          {t("login.noAccount")} <Link to="/register">{t("login.register")}</Link>
        </p>
        <div className="card-footer">
          <LanguageSelect />
        </div>
      </AuthCard>
    </PublicLayout>
  );
}
