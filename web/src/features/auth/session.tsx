import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import type { AccountView } from "../../../../shared/accounts.schemas.js";
import { onApiError } from "../../api/client.js";
import { fetchSession } from "../../api/console.js";
import { setLanguage } from "../../i18n/index.js";

export type SessionState = { status: "loading" } | { status: "signed-out" } | { status: "signed-in"; account: AccountView };

interface Session {
  state: SessionState;
  /** After login or registration: the account's language becomes the interface language. */
  signIn: (account: AccountView) => void;
  /** A newer view of the signed-in account (after a password or language change). */
  updateAccount: (account: AccountView) => void;
  /** Forgets the account here, after the server ended the session; the caller decides where to go. */
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });

  const signIn = useCallback((account: AccountView) => {
    setState({ status: "signed-in", account });
    void setLanguage(account.language, { remember: false });
  }, []);

  const updateAccount = useCallback((account: AccountView) => {
    setState({ status: "signed-in", account });
  }, []);

  const signOut = useCallback(() => setState({ status: "signed-out" }), []);

  useEffect(() => {
    let current = true;
    fetchSession().then(
      (account) => {
        if (!current) return;
        if (account) signIn(account);
        else setState({ status: "signed-out" });
      },
      () => {
        if (current) setState({ status: "signed-out" });
      },
    );
    return () => {
      current = false;
    };
  }, [signIn]);

  // Any console call can learn that the session ended or that only a password change is allowed.
  useEffect(
    () =>
      onApiError((error) => {
        if (error.code === "not_signed_in") {
          setState((previous) => (previous.status === "signed-in" ? { status: "signed-out" } : previous));
        } else if (error.code === "password_change_required") {
          setState((previous) =>
            previous.status === "signed-in"
              ? { status: "signed-in", account: { ...previous.account, mustChangePassword: true } }
              : previous,
          );
        }
      }),
    [],
  );

  const session = useMemo(() => ({ state, signIn, updateAccount, signOut }), [state, signIn, updateAccount, signOut]);
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession must be used inside SessionProvider");
  return session;
}

/** After login or registration: signs the account in and opens where a freshly signed-in person belongs. */
/** Where the console guard sent the person from, if it is a path of this site. */
function returnPath(state: unknown): string | undefined {
  const returnTo = (state as { returnTo?: unknown } | null)?.returnTo;
  return typeof returnTo === "string" && returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : undefined;
}

export function useEnterConsole(): (account: AccountView) => void {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  return (account) => {
    signIn(account);
    const next = account.mustChangePassword ? "/console/account" : (returnPath(location.state) ?? "/console/instances");
    navigate(next, { replace: true });
  };
}
