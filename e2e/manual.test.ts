import { describe, expect } from "vitest";
import { temporaryPasswordIn } from "../server/test/smtp-capture.js";
import { afterBrowserRestart, sessionCookie } from "./fixtures/browser.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { expectConsole, expectLoginForm, passwordField, signInButton, submitLogin } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { sequentialSteps } from "./fixtures/steps.js";

/**
 * "Registration in the console" (the user manual), followed step by step in one
 * browser profile: each step starts where the previous one left the person.
 */
describe("registration in the console, as the manual describes it", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();

  const email = "ada.lovelace@example.com";
  const password = "Analytical-Engine-1843";
  const ownNewPassword = "Difference-Engine-1822";
  let temporaryPassword = "";

  step("the Sign in button sits in the upper right corner of the main page and opens the Login form", async () => {
    await env.page.goto("/");
    const signIn = signInButton(env.page);
    await signIn.waitFor();
    const box = await signIn.boundingBox();
    const viewport = env.page.viewportSize();
    expect(box, "the Sign in button has a place on the page").not.toBeNull();
    expect(viewport).not.toBeNull();
    if (!box || !viewport) return;
    // The header's content may be centred in a wide window: near the right edge means within a tenth of the width.
    expect(viewport.width - (box.x + box.width), "gap between Sign in and the right edge").toBeLessThan(viewport.width / 10);
    expect(box.x, "Sign in is in the right half").toBeGreaterThan(viewport.width / 2);
    expect(box.y, "Sign in is at the top").toBeLessThan(80);

    await signIn.click();
    await expectLoginForm(env.page);
    expect(new URL(env.page.url()).pathname).toBe("/login");
  });

  step("the Register button at the bottom of the Login form opens the Registration form", async () => {
    const register = env.page.getByRole("link", { name: "Register", exact: true });
    const login = env.page.getByRole("button", { name: "Login", exact: true });
    const registerBox = await register.boundingBox();
    const loginBox = await login.boundingBox();
    expect(registerBox && loginBox && registerBox.y > loginBox.y, "Register is below the Login button").toBe(true);

    await register.click();
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    expect(new URL(env.page.url()).pathname).toBe("/register");
  });

  step("the form takes an email, a password twice and a country found by typing", async () => {
    // 1. email
    await env.page.getByLabel("Email", { exact: true }).fill(email);
    // 2. a password, repeated
    await passwordField(env.page, "Password").fill(password);
    await passwordField(env.page, "Repeat password").fill(password);
    // 3. the country
    const country = env.page.getByRole("combobox", { name: "Country", exact: true });
    await country.fill("Germ");
    await env.page.getByRole("option", { name: "Germany", exact: true }).click();
    expect(await country.inputValue()).toBe("Germany");
  });

  step("the phrase User agreement opens the agreement in a new page and leaves the form as filled", async () => {
    const [agreementPage] = await Promise.all([
      env.context.waitForEvent("page"),
      env.page.getByRole("link", { name: "User agreement", exact: true }).click(),
    ]);
    await agreementPage.waitForLoadState();
    expect(new URL(agreementPage.url()).pathname).toBe("/user-agreement");
    await agreementPage.getByRole("heading", { name: "User agreement", level: 1 }).waitFor();
    expect(await agreementPage.getByText("By registering an account you accept it.").isVisible()).toBe(true);
    await agreementPage.close();

    expect(new URL(env.page.url()).pathname).toBe("/register");
    expect(await env.page.getByLabel("Email", { exact: true }).inputValue()).toBe(email);
    expect(await passwordField(env.page, "Password").inputValue()).toBe(password);
    expect(await env.page.getByRole("combobox", { name: "Country", exact: true }).inputValue()).toBe("Germany");
    // Following the link inside the box's label does not tick the box.
    expect(await env.page.getByRole("checkbox", { name: /I have read the/ }).isChecked()).toBe(false);
  });

  step("with the agreement box checked, Register creates the account and opens the console", async () => {
    // 4. the agreement box
    const agreement = env.page.getByRole("checkbox", { name: /I have read the/ });
    await agreement.check();
    expect(await agreement.isChecked()).toBe(true);
    // The language selector is at the very bottom of the form; left at English.
    const language = env.page.getByLabel("Language", { exact: true });
    const languageBox = await language.boundingBox();
    const registerBox = await env.page.getByRole("button", { name: "Register", exact: true }).boundingBox();
    expect(languageBox && registerBox && languageBox.y > registerBox.y, "Language is below the Register button").toBe(true);
    expect(await language.inputValue()).toBe("en");
    // 5. Register
    await env.page.getByRole("button", { name: "Register", exact: true }).click();

    await expectConsole(env.page);
    await env.page.getByRole("heading", { name: "Instances", exact: true }).waitFor();
    expect(await sessionCookie(env.context), "registration signs the person in").toBeDefined();
  });

  step("Logout returns to the main page, after which the console asks for the Login form", async () => {
    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
    await signInButton(env.page).waitFor();
    expect(await sessionCookie(env.context), "the session cookie is gone").toBeUndefined();

    await env.page.goto("/console/instances");
    await env.page.waitForURL((url) => url.pathname === "/login");
    await expectLoginForm(env.page);
  });

  step("logging in again with Remember me keeps the person signed in for 30 days", async () => {
    await env.page.goto("/");
    await signInButton(env.page).click();
    await expectLoginForm(env.page);
    await env.page.getByLabel("Email", { exact: true }).fill(email);
    await passwordField(env.page, "Password").fill(password);
    await env.page.getByRole("checkbox", { name: "Remember me", exact: true }).check();
    await env.page.getByRole("button", { name: "Login", exact: true }).click();
    await expectConsole(env.page);

    const cookie = await sessionCookie(env.context);
    expect(cookie).toBeDefined();
    const thirtyDaysAhead = Date.now() / 1000 + 30 * 24 * 60 * 60;
    expect(cookie?.expires ?? -1, "a remembered session outlives the browser by 30 days").toBeGreaterThan(thirtyDaysAhead - 3600);
    expect(cookie?.expires ?? -1).toBeLessThan(thirtyDaysAhead + 3600);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");

    // Coming back after closing the browser, the console opens without the Login form.
    const reopened = await afterBrowserRestart(env.browser, env.server.url, env.context);
    try {
      const later = await reopened.newPage();
      await later.goto("/console/instances");
      await expectConsole(later);
      expect(new URL(later.url()).pathname).toBe("/console/instances");
    } finally {
      await reopened.close();
    }
  });

  step("Forgot your password? opens the Change Password form, which mails a temporary password", async () => {
    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
    await signInButton(env.page).click();
    await expectLoginForm(env.page);
    await env.page.getByRole("link", { name: "Forgot your password?", exact: true }).click();
    await env.page.getByRole("heading", { name: "Change Password", exact: true }).waitFor();

    await env.page.getByLabel("Email", { exact: true }).fill(email);
    await env.page.getByRole("button", { name: "Change password", exact: true }).click();
    await env.page.getByText(t("en", "forgot.sent")).waitFor();

    const mail = await env.server.smtp.waitForMail(email, 1, 15_000);
    expect(mail.subject).toBe("Your temporary Switchboard password");
    temporaryPassword = temporaryPasswordIn(mail);
    expect(temporaryPassword).toMatch(/^[0-9A-Z]{20}$/);
  });

  step("the temporary password in the Password field of the Login form opens the Account tab to set a new password", async () => {
    await env.page.goto("/login");
    await expectLoginForm(env.page);
    await env.page.getByLabel("Email", { exact: true }).fill(email);
    await passwordField(env.page, "Password").fill(temporaryPassword);
    await env.page.getByRole("button", { name: "Login", exact: true }).click();

    await env.page.waitForURL((url) => url.pathname === "/console/account");
    await passwordField(env.page, "Current password").waitFor();
    await passwordField(env.page, "New password").waitFor();
    await passwordField(env.page, "Repeat new password").waitFor();
    await env.page.getByRole("button", { name: "Logout", exact: true }).waitFor();
    // Until a new password is set, nothing else of the console is open.
    expect(await env.page.getByRole("link", { name: "Instances", exact: true }).count()).toBe(0);
  });

  step("the Account tab changes the temporary password to one's own", async () => {
    await passwordField(env.page, "Current password").fill(temporaryPassword);
    await passwordField(env.page, "New password").fill(ownNewPassword);
    await passwordField(env.page, "Repeat new password").fill(ownNewPassword);
    await env.page.getByRole("button", { name: "Change password", exact: true }).click();
    await env.page.getByText("Your password has been changed.", { exact: true }).waitFor();
    // The rest of the console opens again.
    await env.page.getByRole("link", { name: "Instances", exact: true }).waitFor();

    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
  });

  step("the new password logs in", async () => {
    await submitLogin(env.page, { email, password: ownNewPassword });
    await expectConsole(env.page);
    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
  });

  step("neither the old password nor the used temporary password logs in any more", async () => {
    for (const stale of [password, temporaryPassword]) {
      await submitLogin(env.page, { email, password: stale });
      const alert = env.page.getByRole("alert").filter({ hasText: "Wrong email or password" });
      await alert.waitFor();
      expect(new URL(env.page.url()).pathname).toBe("/login");
      expect(await sessionCookie(env.context)).toBeUndefined();
    }
  });

  step("without Remember me the session ends with the browser", async () => {
    await submitLogin(env.page, { email, password: ownNewPassword, rememberMe: false });
    await expectConsole(env.page);
    const cookie = await sessionCookie(env.context);
    expect(cookie).toBeDefined();
    expect(cookie?.expires, "a browser-session cookie has no expiry").toBe(-1);

    // After closing the browser, the console asks for the Login form again.
    const reopened = await afterBrowserRestart(env.browser, env.server.url, env.context);
    try {
      const later = await reopened.newPage();
      await later.goto("/console/instances");
      await later.waitForURL((url) => url.pathname === "/login");
      await expectLoginForm(later);
    } finally {
      await reopened.close();
    }
  });
});
