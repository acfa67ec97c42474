import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { usePageTitle } from "../../components/page-title.js";
import { PublicLayout } from "../../components/public-layout.js";

/** The message alone, for use inside any layout (public or console). */
export function NotFound() {
  const { t } = useTranslation();
  usePageTitle(t("notFound.title"));
  return (
    <section className="not-found">
      <h1>{t("notFound.title")}</h1>
      <p className="muted">{t("notFound.text")}</p>
      <p>
        <Link to="/">{t("notFound.home")}</Link>
      </p>
    </section>
  );
}

export function NotFoundPage() {
  return (
    <PublicLayout>
      <NotFound />
    </PublicLayout>
  );
}
