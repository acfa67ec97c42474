import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { passwordResetRequestSchema } from "../../../../shared/accounts.schemas.js";
import { requestPasswordReset } from "../../api/console.js";
import { FormAlert, SubmitButton, useForm } from "../../components/form.js";
import { LanguageSelect } from "../../components/language-select.js";
import { usePageTitle } from "../../components/page-title.js";
import { AuthCard, PublicLayout } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";

const FIELDS = ["email"] as const;

/** "Change Password" in the user manual: asks for a temporary password by email. */
export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const { formRef, fieldErrors, formFailure, busy, submit, clearFieldError } = useForm(FIELDS);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const sentRef = useRef<HTMLParagraphElement>(null);
  usePageTitle(t("forgot.title"));

  // The form, and the focused button with it, goes away: keep the focus on what replaced it.
  useEffect(() => {
    if (sent) sentRef.current?.focus();
  }, [sent]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const request = { email };
    void submit(passwordResetRequestSchema, request, async () => {
      await requestPasswordReset(request);
      setSent(true);
    });
  }

  return (
    <PublicLayout>
      <AuthCard title={t("forgot.title")}>
        <div role="status" className="status-region">
          {sent && (
            <p ref={sentRef} tabIndex={-1} className="alert alert-success">
              {t("forgot.sent")}
            </p>
          )}
        </div>
        {!sent && (
          <form ref={formRef} className="form" noValidate onSubmit={onSubmit}>
            <p className="form-intro">{t("forgot.intro")}</p>
            <FormAlert failure={formFailure} />
            <EmailField
              id="forgot-email"
              name="email"
              label={t("common.email")}
              value={email}
              onValueChange={(value) => {
                setEmail(value);
                clearFieldError("email");
              }}
              error={fieldErrors.email}
            />
            <SubmitButton busy={busy}>{t("forgot.submit")}</SubmitButton>
          </form>
        )}
        <p className="form-switch">
          <Link to="/login">{t("forgot.backToLogin")}</Link>
        </p>
        <div className="card-footer">
          <LanguageSelect />
        </div>
      </AuthCard>
    </PublicLayout>
  );
}
