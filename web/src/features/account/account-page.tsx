import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Language } from "../../../../shared/languages.js";
import { changeAccountLanguage } from "../../api/console.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LanguageSelect } from "../../components/language-select.js";
import { usePageTitle } from "../../components/page-title.js";
import { countryName } from "../../i18n/countries.js";
import { currentLanguage } from "../../i18n/index.js";
import { useSession } from "../auth/session.js";
import { ChangePasswordForm } from "./change-password-form.js";
import { DeleteAccountCard } from "./delete-account-card.js";
import { ExportCard } from "./export-card.js";
import { PartnerCard } from "./partner-card.js";
import { SessionsCard } from "./sessions-card.js";

export function AccountPage() {
  const { t } = useTranslation();
  const { state } = useSession();
  usePageTitle(t("account.title"));
  if (state.status !== "signed-in") return null;
  const { account } = state;

  return (
    <div className="console-section account-page">
      <h1>{t("account.title")}</h1>
      {/* The password form keeps its place in the tree, so its success message survives leaving temporary-password mode. */}
      {account.mustChangePassword ? (
        <p className="alert alert-warning">{t("account.temporaryPassword")}</p>
      ) : (
        <section className="card console-card">
          <h2>{t("account.details")}</h2>
          <dl className="details">
            <div>
              <dt>{t("account.email")}</dt>
              <dd>
                <bdi>{account.email}</bdi>
              </dd>
            </div>
            <div>
              <dt>{t("account.country")}</dt>
              <dd>{countryName(account.country, currentLanguage())}</dd>
            </div>
          </dl>
        </section>
      )}
      <ChangePasswordForm />
      {/* A temporary-password session may only change the password: the rest waits until it has. */}
      {!account.mustChangePassword && (
        <>
          <LanguagePreference />
          <SessionsCard />
          <PartnerCard />
          <ExportCard />
          <DeleteAccountCard email={account.email} />
        </>
      )}
    </div>
  );
}

function LanguagePreference() {
  const { t } = useTranslation();
  const { updateAccount } = useSession();
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function save(language: Language) {
    setFailure(null);
    try {
      updateAccount(await changeAccountLanguage({ language }));
    } catch (error) {
      setFailure(toFormFailure(error));
    }
  }

  return (
    <section className="card console-card">
      <h2>{t("account.preferences.title")}</h2>
      <p className="muted">{t("account.preferences.description")}</p>
      <FormAlert failure={failure} />
      <LanguageSelect onChanged={(language) => void save(language)} />
    </section>
  );
}
