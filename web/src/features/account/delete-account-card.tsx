import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { accountDeletionRequestSchema } from "../../../../shared/accounts.schemas.js";
import type { AccountDeletionRequest } from "../../../../shared/accounts.schemas.js";
import { deleteAccount } from "../../api/console.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { Form, useFormValues } from "../../components/form.js";
import { PasswordField } from "../../components/password-field.js";
import { useSession } from "../auth/session.js";
import type { HomeLocationState } from "../home/home-page.js";

const EMPTY: AccountDeletionRequest = { currentPassword: "" };

/** First-strong isolates keep an email in one piece inside a right-to-left sentence. */
function isolated(text: string): string {
  return `\u2068${text}\u2069`;
}

/**
 * The danger zone: the current password, then a confirmation, deletes the account and all it
 * owns. The server ends the session with it, so the person lands signed out on the home page.
 */
export function DeleteAccountCard({ email }: { email: string }) {
  const { t } = useTranslation();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const headingId = useId();
  const form = useFormValues(EMPTY);
  const [confirming, setConfirming] = useState(false);

  // Only a password that passes the form's own checks opens the confirmation.
  function onSubmit() {
    void form.submit(accountDeletionRequestSchema, form.values, async () => setConfirming(true));
  }

  // The dialog closes at once and the form sends, so that a wrong password shows beside its field.
  async function onConfirmed() {
    const request = form.values;
    void form.submit(accountDeletionRequestSchema, request, async () => {
      await deleteAccount(request);
      // Both updates render together, so the signed-out console never redirects to the Login form first.
      navigate("/", { replace: true, state: { accountDeleted: true } satisfies HomeLocationState });
      signOut();
    });
  }

  return (
    <section className="card console-card danger-zone" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("account.delete.title")}</h2>
      <Form
        form={form}
        submitLabel={t("account.delete.submit")}
        submitVariant="danger"
        onSubmit={onSubmit}
        intro={
          <div className="danger-intro">
            <p>{t("account.delete.intro")}</p>
            <ul>
              <li>{t("account.delete.instances")}</li>
              <li>{t("account.delete.phones")}</li>
              <li>{t("account.delete.sessions")}</li>
              <li>{t("account.delete.mail")}</li>
            </ul>
          </div>
        }
      >
        <PasswordField
          id="delete-account-password"
          label={t("account.delete.password")}
          autoComplete="current-password"
          {...form.fieldProps("currentPassword")}
        />
      </Form>
      {confirming && (
        <ConfirmDialog
          title={t("account.delete.dialogTitle")}
          message={t("account.delete.dialogMessage", { email: isolated(email) })}
          confirmLabel={t("account.delete.confirm")}
          onConfirm={onConfirmed}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
