import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

/** The header of every page: the product name, linking home, then `children` on the same line. */
export function SiteHeader({ className, children }: { className?: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <header className={className ? `site-header ${className}` : "site-header"}>
      <div className="site-header-inner">
        <Link to="/" className="brand">
          <BrandMark />
          {t("app.name")}
        </Link>
        {children}
      </div>
    </header>
  );
}

function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="20" height="20" rx="6" fill="currentColor" />
      <path d="M7 9h10M7 15h10" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
      <circle cx="10" cy="9" r="2" fill="#fff" />
      <circle cx="14" cy="15" r="2" fill="#fff" />
    </svg>
  );
}
