import { useTranslation } from "react-i18next";

/** "Loading…", announced politely, while a page or panel waits for its first answer. */
export function LoadingStatus() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t("app.loading")}
    </p>
  );
}
