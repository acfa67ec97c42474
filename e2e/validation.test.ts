import { describe, expect, it } from "vitest";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import {
  expectConsole,
  fieldErrorBeside,
  isMarkedInvalid,
  passwordField,
  submitRegistration,
  expectLoginForm,
} from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** What a person sees when a form refuses what they typed, and the attributes password managers rely on. */
describe("form fields", () => {
  const env = useConsoleAndBrowser();

  /** The taken email, then its correction, then the signed-in Account tab. */
  const step = sequentialSteps();
  const goodPassword = "Kettle-Harbour-91";

  async function openRegistration(): Promise<void> {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
  }

  it("a repeat that differs from the password is reported beside Repeat password", async () => {
    await openRegistration();
    await submitRegistration(env.page, { email: "mismatch@example.com", password: goodPassword, repeat: "Kettle-Harbour-19" });

    const repeat = passwordField(env.page, "Repeat password");
    expect(await fieldErrorBeside(repeat)).toContain(t("en", "fieldErrors.passwords_do_not_match"));
    expect(await isMarkedInvalid(passwordField(env.page, "Password")), "the password itself is fine").toBe(false);
    expect(await isMarkedInvalid(env.page.getByLabel("Email", { exact: true }))).toBe(false);
    expect(new URL(env.page.url()).pathname).toBe("/register");
  });

  it("a password shorter than 8 characters is reported beside Password", async () => {
    await openRegistration();
    await submitRegistration(env.page, { email: "short@example.com", password: "Sh0rt!x" });

    const error = await fieldErrorBeside(passwordField(env.page, "Password"));
    expect(error).toContain("at least 8 characters");
    expect(error).toContain(t("en", "fieldErrors.password_too_short", { min: 8 }));
    expect(new URL(env.page.url()).pathname).toBe("/register");
  });

  it("a common password is refused with the reason beside Password", async () => {
    await openRegistration();
    await submitRegistration(env.page, { email: "common@example.com", password: "password123" });

    const error = await fieldErrorBeside(passwordField(env.page, "Password"));
    expect(error).toContain(t("en", "fieldErrors.password_common"));
    expect(new URL(env.page.url()).pathname).toBe("/register");
  });

  step("an email that already has an account is reported beside Email", async () => {
    // A secondary fact, set up through the API: someone registered this email before.
    const taken = "taken@example.com";
    const response = await fetch(`${env.server.url}/api/console/registration`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: env.server.url },
      body: JSON.stringify({
        email: taken,
        password: "Lantern-Orchard-27",
        passwordRepeat: "Lantern-Orchard-27",
        country: "FR",
        agreementAccepted: true,
        language: "en",
      }),
    });
    expect(response.status).toBe(201);

    await openRegistration();
    await submitRegistration(env.page, { email: taken, password: goodPassword });

    const error = await fieldErrorBeside(env.page.getByLabel("Email", { exact: true }));
    expect(error).toContain(t("en", "fieldErrors.email_taken"));
    expect(await isMarkedInvalid(passwordField(env.page, "Password"))).toBe(false);
    expect(new URL(env.page.url()).pathname).toBe("/register");
  });

  step("once the fields are right the same form registers", async () => {
    // The form still holds what was typed; only the email needs changing.
    await env.page.getByLabel("Email", { exact: true }).fill("fresh@example.com");
    await env.page.getByRole("button", { name: "Register", exact: true }).click();
    await expectConsole(env.page);
  });

  step("the password fields carry the autocomplete tokens password managers rely on", async () => {
    // Signed in by the registration above: the Account tab's form.
    await env.page.getByRole("link", { name: "Account", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/console/account");
    expect(await passwordField(env.page, "Current password").getAttribute("autocomplete")).toBe("current-password");
    expect(await passwordField(env.page, "New password").getAttribute("autocomplete")).toBe("new-password");
    expect(await passwordField(env.page, "Repeat new password").getAttribute("autocomplete")).toBe("new-password");

    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");

    await env.page.goto("/login");
    await expectLoginForm(env.page);
    expect(await env.page.getByLabel("Email", { exact: true }).getAttribute("autocomplete")).toBe("email");
    expect(await passwordField(env.page, "Password").getAttribute("autocomplete")).toBe("current-password");

    await openRegistration();
    expect(await env.page.getByLabel("Email", { exact: true }).getAttribute("autocomplete")).toBe("email");
    expect(await passwordField(env.page, "Password").getAttribute("autocomplete")).toBe("new-password");
    expect(await passwordField(env.page, "Repeat password").getAttribute("autocomplete")).toBe("new-password");
  });

  it("Show password reveals the typed password and Hide password masks it again", async () => {
    for (const [path, label] of [
      ["/login", "Password"],
      ["/register", "Password"],
      ["/register", "Repeat password"],
    ] as const) {
      await env.page.goto(path);
      const field = passwordField(env.page, label);
      await field.fill("Visible-Secret-55");
      expect(await field.getAttribute("type")).toBe("password");
      // The toggle that belongs to this field says which input it controls.
      const toggle = env.page.locator(`button[aria-controls="${await field.getAttribute("id")}"]`);

      await toggle.and(env.page.getByRole("button", { name: "Show password", exact: true })).click();
      await field.and(env.page.locator('[type="text"]')).waitFor();
      expect(await field.inputValue(), "revealing keeps what was typed").toBe("Visible-Secret-55");

      await toggle.and(env.page.getByRole("button", { name: "Hide password", exact: true })).click();
      await field.and(env.page.locator('[type="password"]')).waitFor();
      await toggle.and(env.page.getByRole("button", { name: "Show password", exact: true })).waitFor();
    }
  });
});
