import { useTranslation } from "react-i18next";
import { usePageTitle } from "../../components/page-title.js";

export function InstancesPage() {
  const { t } = useTranslation();
  usePageTitle(t("console.instances.title"));

  return (
    <section className="console-section">
      <h1>{t("console.instances.title")}</h1>
      <div className="card empty-state">
        <EmptyIcon />
        <p className="empty-state-title">{t("console.instances.empty")}</p>
        <p className="muted">{t("console.instances.comingSoon")}</p>
      </div>
    </section>
  );
}

function EmptyIcon() {
  return (
    <svg className="empty-state-icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false">
      <rect x="6" y="10" width="36" height="28" rx="6" fill="none" stroke="currentColor" strokeWidth="2.5" />
      <path d="M6 20h36" stroke="currentColor" strokeWidth="2.5" />
      <circle cx="12" cy="15" r="1.6" fill="currentColor" />
      <circle cx="17" cy="15" r="1.6" fill="currentColor" />
    </svg>
  );
}
