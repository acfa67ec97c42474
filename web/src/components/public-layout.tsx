import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { useSession } from "../features/auth/session.js";
import { LanguageSelect } from "./language-select.js";
import { usePageTitle } from "./page-title.js";
import { SiteHeader } from "./site-header.js";

/** Header with the product name and, at the end of the line, "Sign in" or "Console". */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { state } = useSession();
  const { pathname } = useLocation();

  return (
    <div className="page">
      <SiteHeader>
        {state.status === "signed-in" ? (
          <Link to="/console/instances" className="button button-primary">
            {t("home.console")}
          </Link>
        ) : state.status === "signed-out" && pathname !== "/login" ? (
          <Link to="/login" className="button button-primary">
            {t("home.signIn")}
          </Link>
        ) : null}
      </SiteHeader>
      <main className="site-main">{children}</main>
    </div>
  );
}

interface AuthPageProps {
  /** The page's single h1, which also names the tab. */
  title: string;
  /** The line under the form that leads to another one, e.g. from Login to Registration. */
  formSwitch: ReactNode;
  children: ReactNode;
}

/**
 * A public page with one form in a centred card and the language selector at its foot. Sections
 * here and elsewhere stay unnamed: a region named after its heading would also be found by the
 * fields' label lookups.
 */
export function AuthPage({ title, formSwitch, children }: AuthPageProps) {
  usePageTitle(title);
  return (
    <PublicLayout>
      <div className="auth-wrap">
        <section className="card auth-card">
          <h1>{title}</h1>
          {children}
          <p className="form-switch">{formSwitch}</p>
          <div className="card-footer">
            <LanguageSelect />
          </div>
        </section>
      </div>
    </PublicLayout>
  );
}
