import { describe, expect, it } from "vitest";
import type { Locator } from "playwright-core";
import { temporaryPasswordIn } from "../server/test/smtp-capture.js";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { expectConsole, expectLoginForm, passwordField, signInButton, submitLogin, submitRegistration } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** axe-core finds no serious or critical violation on any page a person passes through. */
describe("accessibility of every form and console page", () => {
  const env = useConsoleAndBrowser();
  /** From registration on, each page is reached through the one before. */
  const signedInStep = sequentialSteps();

  const email = "grace.hopper@example.com";
  const password = "Compiler-Cobol-1959";

  it("the home page", async () => {
    await env.page.goto("/");
    await signInButton(env.page).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  it("the Login form", async () => {
    await env.page.goto("/login");
    await expectLoginForm(env.page);
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  it("the Login form showing a wrong-password error", async () => {
    await submitLogin(env.page, { email: "nobody@example.com", password: "Not-The-Password-1" });
    await env.page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  it("the Registration form", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  it("the Registration form with its country list open", async () => {
    await env.page.getByRole("combobox", { name: "Country", exact: true }).fill("Ger");
    await env.page.getByRole("option", { name: "Germany", exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
    await env.page.keyboard.press("Escape");
  });

  it("the Registration form showing field errors", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(env.page, { email, password, repeat: "Something-Else-2", acceptAgreement: false });
    await passwordField(env.page, "Repeat password").and(env.page.locator('[aria-invalid="true"]')).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  it("the user agreement page", async () => {
    await env.page.goto("/user-agreement");
    await env.page.getByRole("heading", { name: "User agreement", level: 1 }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  signedInStep("the console's Instances tab", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(env.page, { email, password });
    await expectConsole(env.page);
    await env.page.getByRole("heading", { name: "Instances", exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  signedInStep("the console's Account tab", async () => {
    await env.page.getByRole("link", { name: "Account", exact: true }).click();
    await passwordField(env.page, "Current password").waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  signedInStep("the Change Password form and its confirmation", async () => {
    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
    await env.page.goto("/forgot-password");
    await env.page.getByRole("heading", { name: "Change Password", exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);

    await env.page.getByLabel("Email", { exact: true }).fill(email);
    await env.page.getByRole("button", { name: "Change password", exact: true }).click();
    await env.page.getByText(t("en", "forgot.sent")).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  signedInStep("the Account tab after a login with a temporary password", async () => {
    const temporaryPassword = temporaryPasswordIn(await env.server.smtp.waitForMail(email, 1, 15_000));
    await submitLogin(env.page, { email, password: temporaryPassword });
    await env.page.waitForURL((url) => url.pathname === "/console/account");
    await passwordField(env.page, "Current password").waitFor();
    await env.page.getByText(t("en", "account.temporaryPassword")).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);

    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
  });

  it("the Registration form can be filled in and sent with the keyboard alone", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    const tabTo = async (target: Locator) => {
      // From the top of the page, Tab reaches each control in reading order, within a few presses.
      for (let presses = 0; presses < 6; presses += 1) {
        await env.page.keyboard.press("Tab");
        if (await target.evaluate((element) => element === document.activeElement)) return;
      }
      throw new Error(`Tab did not reach ${target.toString()}`);
    };

    await tabTo(env.page.getByLabel("Email", { exact: true }));
    await env.page.keyboard.type("keyboard.only@example.com");
    await tabTo(passwordField(env.page, "Password"));
    await env.page.keyboard.type(password);
    await tabTo(passwordField(env.page, "Repeat password"));
    await env.page.keyboard.type(password);
    const country = env.page.getByRole("combobox", { name: "Country", exact: true });
    await tabTo(country);
    await env.page.keyboard.type("Germ");
    await env.page.getByRole("option", { name: "Germany", exact: true }).waitFor();
    await env.page.keyboard.press("Enter");
    await country.and(env.page.locator('[aria-expanded="false"]')).waitFor();
    expect(await country.inputValue()).toBe("Germany");
    const agreement = env.page.getByRole("checkbox", { name: /I have read the/ });
    await tabTo(agreement);
    await env.page.keyboard.press("Space");
    expect(await agreement.isChecked()).toBe(true);
    await tabTo(env.page.getByRole("button", { name: "Register", exact: true }));
    await env.page.keyboard.press("Enter");

    await expectConsole(env.page);
    await env.page.getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");
  });

  it("the Registration form in Hebrew, right to left", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await env.page.getByLabel("Language", { exact: true }).selectOption("he");
    await env.page.locator('html[lang="he"][dir="rtl"]').waitFor({ state: "attached" });
    await env.page.getByRole("heading", { name: t("he", "register.title"), exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });
});
