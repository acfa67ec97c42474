import { describe, expect } from "vitest";
import countries from "i18n-iso-countries";
import hebrewCountryNames from "i18n-iso-countries/langs/he.json" with { type: "json" };
import { temporaryPasswordIn } from "../server/test/smtp-capture.js";
import hebrewMail from "../server/mail/locales/he.json" with { type: "json" };
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { passwordField } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { sequentialSteps } from "./fixtures/steps.js";

countries.registerLocale(hebrewCountryNames);

/** "At the very bottom of the registration form you can choose the language of the interface." */
describe("the interface language", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();

  const email = "dvora.baron@example.com";
  const password = "Olive-Terrace-4417";

  step("Русский in the Language selector turns the registration form Russian", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await env.page.locator('html[lang="en"][dir="ltr"]').waitFor({ state: "attached" });

    await env.page.getByLabel("Language", { exact: true }).selectOption({ label: "Русский" });

    await env.page.locator('html[lang="ru"][dir="ltr"]').waitFor({ state: "attached" });
    await env.page.getByRole("heading", { name: t("ru", "register.title"), exact: true }).waitFor();
    await env.page.getByLabel(t("ru", "common.email"), { exact: true }).waitFor();
    await passwordField(env.page, t("ru", "register.password")).waitFor();
    await passwordField(env.page, t("ru", "register.passwordRepeat")).waitFor();
    await env.page.getByRole("combobox", { name: t("ru", "register.country"), exact: true }).waitFor();
    await env.page.getByRole("button", { name: t("ru", "register.submit"), exact: true }).waitFor();
    expect(await env.page.getByRole("heading", { name: "Registration", exact: true }).count()).toBe(0);
  });

  step("the choice survives a reload of the page", async () => {
    await env.page.reload();
    await env.page.getByRole("heading", { name: t("ru", "register.title"), exact: true }).waitFor();
    expect(await env.page.locator("html").getAttribute("lang")).toBe("ru");
    expect(await env.page.getByLabel(t("ru", "common.language"), { exact: true }).inputValue()).toBe("ru");
  });

  step("עברית turns the form Hebrew and right-to-left", async () => {
    await env.page.getByLabel(t("ru", "common.language"), { exact: true }).selectOption({ label: "עברית" });

    await env.page.locator('html[lang="he"][dir="rtl"]').waitFor({ state: "attached" });
    await env.page.getByRole("heading", { name: t("he", "register.title"), exact: true }).waitFor();
    await env.page.getByLabel(t("he", "common.email"), { exact: true }).waitFor();
    await passwordField(env.page, t("he", "register.passwordRepeat")).waitFor();
    await env.page.getByRole("button", { name: t("he", "register.submit"), exact: true }).waitFor();
  });

  step("registering in Hebrew opens a Hebrew console and saves Hebrew on the account", async () => {
    const germany = countries.getName("DE", "he", { select: "official" });
    expect(germany).toBeTruthy();
    if (!germany) return;

    await env.page.getByLabel(t("he", "common.email"), { exact: true }).fill(email);
    await passwordField(env.page, t("he", "register.password")).fill(password);
    await passwordField(env.page, t("he", "register.passwordRepeat")).fill(password);
    await env.page.getByRole("combobox", { name: t("he", "register.country"), exact: true }).fill(germany.slice(0, 3));
    await env.page.getByRole("option", { name: germany, exact: true }).click();
    await env.page.getByRole("checkbox", { name: t("he", "register.agreement") }).check();
    await env.page.getByRole("button", { name: t("he", "register.submit"), exact: true }).click();

    await env.page.waitForURL((url) => url.pathname.startsWith("/console"));
    await env.page.getByRole("link", { name: t("he", "console.instances.tab"), exact: true }).waitFor();
    await env.page.getByRole("button", { name: t("he", "console.logout"), exact: true }).waitFor();
    expect(await env.page.locator("html").getAttribute("lang")).toBe("he");
    expect(await env.page.locator("html").getAttribute("dir")).toBe("rtl");

    const session = await env.page.evaluate(async () => {
      const response = await fetch("/api/console/session", { headers: { accept: "application/json" } });
      return { status: response.status, body: (await response.json()) as { account?: { language?: string; country?: string } } };
    });
    expect(session.status).toBe(200);
    expect(session.body.account?.language).toBe("he");
    expect(session.body.account?.country).toBe("DE");
  });

  step("the temporary-password mail of a Hebrew account is in Hebrew", async () => {
    await env.page.getByRole("button", { name: t("he", "console.logout"), exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");

    await env.page.goto("/forgot-password");
    await env.page.getByRole("heading", { name: t("he", "forgot.title"), exact: true }).waitFor();
    await env.page.getByLabel(t("he", "common.email"), { exact: true }).fill(email);
    await env.page.getByRole("button", { name: t("he", "forgot.submit"), exact: true }).click();
    await env.page.getByText(t("he", "forgot.sent")).waitFor();

    const mail = await env.server.smtp.waitForMail(email, 1, 15_000);
    expect(mail.subject).toBe(hebrewMail.temporaryPassword.subject);
    expect(mail.text).toContain(hebrewMail.temporaryPassword.label);
    expect(mail.html).toContain('dir="rtl"');
    expect(temporaryPasswordIn(mail)).toMatch(/^[0-9A-Z]{20}$/);
  });
});
