import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { temporaryPasswordIn } from "../server/test/smtp-capture.js";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { launchBrowser, newConsoleContext } from "./fixtures/browser.js";
import { startConsoleServer, type ConsoleServer } from "./fixtures/console-server.js";
import { expectConsole, expectLoginForm, passwordField, signInButton, submitLogin, submitRegistration } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** axe-core finds no serious or critical violation on any page a person passes through. */
describe("accessibility of every form and console page", () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** From registration on, each page is reached through the one before. */
  const signedInStep = sequentialSteps();

  const email = "grace.hopper@example.com";
  const password = "Compiler-Cobol-1959";

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    context = await newConsoleContext(browser, server.url);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the home page", async () => {
    await page.goto("/");
    await signInButton(page).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("the Login form", async () => {
    await page.goto("/login");
    await expectLoginForm(page);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("the Login form showing a wrong-password error", async () => {
    await submitLogin(page, { email: "nobody@example.com", password: "Not-The-Password-1" });
    await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("the Registration form", async () => {
    await page.goto("/register");
    await page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("the Registration form with its country list open", async () => {
    await page.getByRole("combobox", { name: "Country", exact: true }).fill("Ger");
    await page.getByRole("option", { name: "Germany", exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
  });

  it("the Registration form showing field errors", async () => {
    await page.goto("/register");
    await page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(page, { email, password, repeat: "Something-Else-2", acceptAgreement: false });
    await passwordField(page, "Repeat password").and(page.locator('[aria-invalid="true"]')).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("the user agreement page", async () => {
    await page.goto("/user-agreement");
    await page.getByRole("heading", { name: "User agreement", level: 1 }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  signedInStep("the console's Instances tab", async () => {
    await page.goto("/register");
    await page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(page, { email, password });
    await expectConsole(page);
    await page.getByRole("heading", { name: "Instances", exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  signedInStep("the console's Account tab", async () => {
    await page.getByRole("link", { name: "Account", exact: true }).click();
    await passwordField(page, "Current password").waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  signedInStep("the Change Password form and its confirmation", async () => {
    await page.getByRole("button", { name: "Logout", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.goto("/forgot-password");
    await page.getByRole("heading", { name: "Change Password", exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Change password", exact: true }).click();
    await page.getByText(t("en", "forgot.sent")).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  signedInStep("the Account tab after a login with a temporary password", async () => {
    const temporaryPassword = temporaryPasswordIn(await server.smtp.waitForMail(email, 1, 15_000));
    await submitLogin(page, { email, password: temporaryPassword });
    await page.waitForURL((url) => url.pathname === "/console/account");
    await passwordField(page, "Current password").waitFor();
    await page.getByText(t("en", "account.temporaryPassword")).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Logout", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
  });

  it("the Registration form can be filled in and sent with the keyboard alone", async () => {
    await page.goto("/register");
    await page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    const tabTo = async (target: Locator) => {
      // From the top of the page, Tab reaches each control in reading order, within a few presses.
      for (let presses = 0; presses < 6; presses += 1) {
        await page.keyboard.press("Tab");
        if (await target.evaluate((element) => element === document.activeElement)) return;
      }
      throw new Error(`Tab did not reach ${target.toString()}`);
    };

    await tabTo(page.getByLabel("Email", { exact: true }));
    await page.keyboard.type("keyboard.only@example.com");
    await tabTo(passwordField(page, "Password"));
    await page.keyboard.type(password);
    await tabTo(passwordField(page, "Repeat password"));
    await page.keyboard.type(password);
    const country = page.getByRole("combobox", { name: "Country", exact: true });
    await tabTo(country);
    await page.keyboard.type("Germ");
    await page.getByRole("option", { name: "Germany", exact: true }).waitFor();
    await page.keyboard.press("Enter");
    await country.and(page.locator('[aria-expanded="false"]')).waitFor();
    expect(await country.inputValue()).toBe("Germany");
    const agreement = page.getByRole("checkbox", { name: /I have read the/ });
    await tabTo(agreement);
    await page.keyboard.press("Space");
    expect(await agreement.isChecked()).toBe(true);
    await tabTo(page.getByRole("button", { name: "Register", exact: true }));
    await page.keyboard.press("Enter");

    await expectConsole(page);
    await page.getByRole("button", { name: "Logout", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
  });

  it("the Registration form in Hebrew, right to left", async () => {
    await page.goto("/register");
    await page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await page.getByLabel("Language", { exact: true }).selectOption("he");
    await page.locator('html[lang="he"][dir="rtl"]').waitFor({ state: "attached" });
    await page.getByRole("heading", { name: t("he", "register.title"), exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
