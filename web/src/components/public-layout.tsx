import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { useSession } from "../features/auth/session.js";

/** Header with the product name and, at the end of the line, "Sign in" or "Console". */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { state } = useSession();
  const { pathname } = useLocation();

  return (
    <div className="page">
      <header className="site-header">
        <div className="site-header-inner">
          <Link to="/" className="brand">
            <BrandMark />
            {t("app.name")}
          </Link>
          {state.status === "signed-in" ? (
            <Link to="/console/instances" className="button button-primary">
              {t("home.console")}
            </Link>
          ) : state.status === "signed-out" && pathname !== "/login" ? (
            <Link to="/login" className="button button-primary">
              {t("home.signIn")}
            </Link>
          ) : null}
        </div>
      </header>
      <main className="site-main">{children}</main>
    </div>
  );
}

export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="20" height="20" rx="6" fill="currentColor" />
      <path d="M7 9h10M7 15h10" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
      <circle cx="10" cy="9" r="2" fill="#fff" />
      <circle cx="14" cy="15" r="2" fill="#fff" />
    </svg>
  );
}

/**
 * A centred card holding one form, with the page's single h1. Sections here and elsewhere stay
 * unnamed: a region named after its heading would also be found by the fields' label lookups.
 */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-wrap">
      <section className="card auth-card">
        <h1>{title}</h1>
        {children}
      </section>
    </div>
  );
}
