import { useId } from "react";
import { useTranslation } from "react-i18next";
import { ACCOUNT_EXPORT_PATH } from "../../api/console.js";

/** "Export my data": a plain link, so that the browser downloads the file with the session cookie. */
export function ExportCard() {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="card console-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("account.export.title")}</h2>
      <p className="muted">{t("account.export.description")}</p>
      <p>
        <a className="button button-secondary" href={ACCOUNT_EXPORT_PATH} download>
          <DownloadIcon />
          {t("account.export.download")}
        </a>
      </p>
    </section>
  );
}

function DownloadIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        d="M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
