import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { usePageTitle } from "../../components/page-title.js";
import { PublicLayout } from "../../components/public-layout.js";
import { useSession } from "../auth/session.js";

/** What the Account tab leaves in the history entry after deleting the account. */
export interface HomeLocationState {
  accountDeleted?: boolean;
}

export function HomePage() {
  const { t } = useTranslation();
  const { state } = useSession();
  usePageTitle(undefined);
  const accountDeleted = (useLocation().state as HomeLocationState | null)?.accountDeleted === true;

  return (
    <PublicLayout>
      <div role="status" className="status-region">
        {accountDeleted && <p className="alert alert-success">{t("account.delete.done")}</p>}
      </div>
      <section className="hero">
        <h1>{t("home.heading")}</h1>
        <p className="hero-lead">{t("home.lead")}</p>
        {state.status === "signed-out" && (
          <p>
            <Link to="/register" className="button button-secondary button-large">
              {t("home.register")}
            </Link>
          </p>
        )}
      </section>
      <section className="features">
        <h2 className="visually-hidden">{t("home.features.title")}</h2>
        <ul className="feature-list">
          <li>{t("home.features.selfHosted")}</li>
          <li>{t("home.features.api")}</li>
          <li>{t("home.features.console")}</li>
        </ul>
      </section>
    </PublicLayout>
  );
}
