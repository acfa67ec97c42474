import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { passwordResetRequestSchema } from "../../../../shared/accounts.schemas.js";
import { requestPasswordReset } from "../../api/console.js";
import { Form, useFormValues } from "../../components/form.js";
import { AuthPage } from "../../components/public-layout.js";
import { EmailField } from "../../components/text-field.js";

/** "Change Password" in the user manual: asks for a temporary password by email. */
export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const form = useFormValues({ email: "" });
  const [sent, setSent] = useState(false);
  const sentRef = useRef<HTMLParagraphElement>(null);

  // The form, and the focused button with it, goes away: keep the focus on what replaced it.
  useEffect(() => {
    if (sent) sentRef.current?.focus();
  }, [sent]);

  function onSubmit() {
    const request = form.values;
    void form.submit(passwordResetRequestSchema, request, async () => {
      await requestPasswordReset(request);
      setSent(true);
    });
  }

  return (
    <AuthPage title={t("forgot.title")} formSwitch={<Link to="/login">{t("forgot.backToLogin")}</Link>}>
      <div role="status" className="status-region">
        {sent && (
          <p ref={sentRef} tabIndex={-1} className="alert alert-success">
            {t("forgot.sent")}
          </p>
        )}
      </div>
      {!sent && (
        <Form form={form} submitLabel={t("forgot.submit")} onSubmit={onSubmit} intro={<p className="form-intro">{t("forgot.intro")}</p>}>
          <EmailField id="forgot-email" label={t("common.email")} {...form.fieldProps("email")} />
        </Form>
      )}
    </AuthPage>
  );
}
