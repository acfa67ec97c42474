import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { usePageTitle } from "../../components/page-title.js";
import { PublicLayout } from "../../components/public-layout.js";
import { useSession } from "../auth/session.js";

export function HomePage() {
  const { t } = useTranslation();
  const { state } = useSession();
  usePageTitle(undefined);

  return (
    <PublicLayout>
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
        <h2 className="visually-hidden">
          {t("home.features.title")}
        </h2>
        <ul className="feature-list">
          <li>{t("home.features.selfHosted")}</li>
          <li>{t("home.features.api")}</li>
          <li>{t("home.features.console")}</li>
        </ul>
      </section>
    </PublicLayout>
  );
}
