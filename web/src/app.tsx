import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { AccountPage } from "./features/account/account-page.js";
import { ForgotPasswordPage } from "./features/auth/forgot-password-page.js";
import { LoginPage } from "./features/auth/login-page.js";
import { RegisterPage } from "./features/auth/register-page.js";
import { SessionProvider } from "./features/auth/session.js";
import { ConsoleLayout } from "./features/console/console-layout.js";
import { InstancesPage } from "./features/console/instances-page.js";
import { HomePage } from "./features/home/home-page.js";
import { InstancePage } from "./features/instances/instance-page.js";
import { NotFound, NotFoundPage } from "./features/not-found/not-found-page.js";
import { SandboxPage } from "./features/sandbox/sandbox-page.js";

export function App() {
  return (
    // Plain state updates, not transitions: a navigation and a session change made together render together.
    <BrowserRouter useTransitions={false}>
      <SessionProvider>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
          {/* Signed-in pages share the console's header; without a session they send the person to the Login form. */}
          <Route element={<ConsoleLayout />}>
            <Route path="/console">
              <Route index element={<Navigate to="instances" replace />} />
              <Route path="instances" element={<InstancesPage />} />
              <Route path="instances/:idInstance" element={<InstancePage />} />
              <Route path="account" element={<AccountPage />} />
              <Route path="*" element={<NotFound />} />
            </Route>
            <Route path="/sandbox" element={<SandboxPage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}
