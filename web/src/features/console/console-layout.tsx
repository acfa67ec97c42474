import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { logout } from "../../api/console.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { SiteHeader } from "../../components/site-header.js";
import { useSession } from "../auth/session.js";

const ACCOUNT_PATH = "/console/account";

/** The signed-in shell: product name, tabs, the account's email and Logout on every console page. */
export function ConsoleLayout() {
  const { t } = useTranslation();
  const { state, signOut } = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutFailure, setLogoutFailure] = useState<FormFailure | null>(null);

  if (state.status === "loading") {
    return (
      <main className="site-main">
        <p className="loading" role="status">
          {t("app.loading")}
        </p>
      </main>
    );
  }
  // After signing in, the person comes back here (a QR link to /sandbox keeps its code).
  if (state.status === "signed-out") return <Navigate to="/login" replace state={{ returnTo: `${pathname}${search}` }} />;

  const { account } = state;
  if (account.mustChangePassword && pathname !== ACCOUNT_PATH) return <Navigate to={ACCOUNT_PATH} replace />;

  async function onLogout() {
    if (loggingOut) return;
    setLoggingOut(true);
    setLogoutFailure(null);
    try {
      await logout();
    } catch (error) {
      setLogoutFailure(toFormFailure(error));
      setLoggingOut(false);
      return;
    }
    // Both updates render together, so the signed-out shell never redirects to the Login form first.
    navigate("/", { replace: true });
    signOut();
  }

  return (
    <div className="page">
      <SiteHeader className="console-header">
        {!account.mustChangePassword && (
          <nav className="tabs" aria-label={t("console.sections")}>
            <NavLink to="/console/instances" className="tab">
              {t("console.instances.tab")}
            </NavLink>
            <NavLink to="/sandbox" className="tab">
              {t("sandbox.tab")}
            </NavLink>
            <NavLink to={ACCOUNT_PATH} className="tab">
              {t("account.tab")}
            </NavLink>
          </nav>
        )}
        <div className="header-account">
          <span className="header-email">
            <span className="visually-hidden">{t("console.signedInAs")} </span>
            <bdi>{account.email}</bdi>
          </span>
          <button
            type="button"
            className="button button-secondary"
            aria-disabled={loggingOut || undefined}
            aria-busy={loggingOut || undefined}
            onClick={() => void onLogout()}
          >
            {t("console.logout")}
          </button>
        </div>
      </SiteHeader>
      <main className="site-main console-main">
        <FormAlert failure={logoutFailure} />
        <Outlet />
      </main>
    </div>
  );
}
