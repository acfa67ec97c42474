import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect } from "vitest";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { newConsoleContext, sessionCookie } from "./fixtures/browser.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { expectConsole, expectLoginForm, fieldErrorBeside, passwordField, submitLogin, submitRegistration } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { credential } from "./fixtures/instance-ui.js";
import { sequentialSteps } from "./fixtures/steps.js";

function strengthMeter(page: Page): Locator {
  return page.getByRole("meter", { name: "Password strength", exact: true });
}

async function strengthScore(page: Page): Promise<number | null> {
  const meter = strengthMeter(page);
  if ((await meter.count()) === 0) return null;
  const value = await meter.getAttribute("aria-valuenow");
  return value === null ? null : Number(value);
}

/** The Account tab's list of signed-in sessions. */
function sessionList(page: Page): Locator {
  return page.getByRole("list", { name: "Sessions", exact: true });
}

function sessionItems(page: Page): Locator {
  return sessionList(page).getByRole("listitem");
}

function currentSession(page: Page): Locator {
  return sessionItems(page).filter({ hasText: "This device" });
}

function otherSessions(page: Page): Locator {
  return sessionItems(page).filter({ hasNotText: "This device" });
}

async function openAccountTab(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Account", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/console/account");
  await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
}

/** The Account tab's Partner API card. */
function partnerCard(page: Page): Locator {
  return page.getByRole("region", { name: "Partner API", exact: true });
}

/** getInstances of the partner API with this token, called as a partner's program calls it. */
async function partnerGetInstances(apiUrl: string, partnerToken: string): Promise<{ status: number; body: unknown }> {
  const answer = await fetch(`${apiUrl}/partner/getInstances/${partnerToken}`);
  return { status: answer.status, body: await answer.json() };
}

/** What the console's session check answers in this browser profile: 200 signed in, 401 not. */
async function sessionCheckStatus(context: BrowserContext): Promise<number> {
  return (await context.request.get("/api/console/session")).status();
}

/**
 * The Account tab's own parts: the strength meter of a password being chosen, the list of
 * signed-in sessions and ending them, the data export, the partner token, and deleting the account.
 */
describe("the Account tab: sessions, data export, partner token and account deletion", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();

  const email = "hedy.lamarr@example.com";
  const password = "Frequency-Hopping-1942";
  /** Browser profiles signed in elsewhere; each step closes the ones it opens. */
  const elsewhere: BrowserContext[] = [];
  let idInstance = "";
  let apiTokenInstance = "";
  let partnerToken = "";

  async function signInElsewhere(): Promise<BrowserContext> {
    const context = await newConsoleContext(env.browser, env.server.url);
    elsewhere.push(context);
    const page = await context.newPage();
    await submitLogin(page, { email, password });
    await expectConsole(page);
    return context;
  }

  async function closeElsewhere(): Promise<void> {
    for (const context of elsewhere.splice(0)) await context.close();
  }

  step("the registration form's strength meter sits under Password and rises as a stronger password is typed", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await env.page.getByLabel("Email", { exact: true }).fill(email);
    const field = passwordField(env.page, "Password");
    expect(await strengthMeter(env.page).count(), "no meter before anything is typed").toBe(0);

    await field.fill("abc");
    await expect.poll(() => strengthScore(env.page)).toBe(0);
    await env.page.getByText("Password strength: Very weak", { exact: true }).waitFor();
    const meter = strengthMeter(env.page);
    expect(await meter.getAttribute("aria-valuemin")).toBe("0");
    expect(await meter.getAttribute("aria-valuemax")).toBe("4");
    expect(await meter.getAttribute("aria-valuetext")).toBe("Very weak");

    // Under the Password field, above Repeat password.
    const fieldBox = await field.boundingBox();
    const meterBox = await meter.boundingBox();
    const repeatBox = await passwordField(env.page, "Repeat password").boundingBox();
    expect(fieldBox && meterBox && repeatBox).toBeTruthy();
    if (fieldBox && meterBox && repeatBox) {
      expect(meterBox.y).toBeGreaterThanOrEqual(fieldBox.y + fieldBox.height);
      expect(meterBox.y + meterBox.height).toBeLessThan(repeatBox.y);
    }

    await field.fill("sunflower");
    await expect.poll(() => strengthScore(env.page), { timeout: 15_000 }).toBe(1);
    await env.page.getByText("Password strength: Weak", { exact: true }).waitFor();

    // Made of the email's own words: the weakest, whatever its length.
    await field.fill("HedyLamarr-2024!");
    await expect.poll(() => strengthScore(env.page)).toBe(0);

    // Typed key by key, as a person would: the meter follows the typing.
    await field.fill("");
    await field.pressSequentially(password);
    await expect.poll(() => strengthScore(env.page)).toBe(4);
    await env.page.getByText("Password strength: Strong", { exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  step("the form refuses a password made of the email's words, beside Password, before sending it", async () => {
    const requests: string[] = [];
    const onRequest = (request: { url(): string }) => requests.push(new URL(request.url()).pathname);
    env.page.on("request", onRequest);
    try {
      await submitRegistration(env.page, { email, password: "Hedy.Lamarr-1942" });
      expect(await fieldErrorBeside(passwordField(env.page, "Password"))).toContain(t("en", "fieldErrors.password_context"));
    } finally {
      env.page.off("request", onRequest);
    }
    expect(requests).not.toContain("/api/console/registration");
  });

  step("a strong password registers; the meter does not hold the form back", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(env.page, { email, password });
    await expectConsole(env.page);
  });

  step("the change-password form has the meter under New password", async () => {
    await openAccountTab(env.page);
    await passwordField(env.page, "New password").fill("qwertyui");
    await expect.poll(() => strengthScore(env.page)).toBe(0);
    await passwordField(env.page, "New password").fill("Torpedo-Radio-Guidance-1942");
    await expect.poll(() => strengthScore(env.page)).toBe(4);
    await passwordField(env.page, "New password").fill("");
    await strengthMeter(env.page).waitFor({ state: "detached" });
  });

  step("signed in from a second browser too, the Account tab lists two sessions, this one marked This device", async () => {
    await signInElsewhere();
    await env.page.reload();
    await env.page.getByRole("heading", { name: "Sessions", exact: true }).waitFor();

    await expect.poll(() => sessionItems(env.page).count()).toBe(2);
    expect(await currentSession(env.page).count()).toBe(1);
    expect(await otherSessions(env.page).count()).toBe(1);
    for (const item of await sessionItems(env.page).all()) {
      // Where it signed in from, and when.
      await item.getByText("127.0.0.1", { exact: true }).waitFor();
      await item.getByText("Signed in", { exact: true }).waitFor();
      await item.getByText("Last activity", { exact: true }).waitFor();
    }
    // This device cannot be ended from the list (Logout does that); the other one can.
    expect(await currentSession(env.page).getByRole("button", { name: "End", exact: true }).count()).toBe(0);
    await otherSessions(env.page).getByRole("button", { name: "End", exact: true }).waitFor();
    await env.page.getByRole("button", { name: "End all other sessions", exact: true }).waitFor();
    await env.page.getByRole("link", { name: "Download my data", exact: true }).waitFor();
    await env.page.getByRole("heading", { name: "Delete account", exact: true }).waitFor();

    expect(await seriousAxeViolations(env.page), "the Account tab with its sessions, export and deletion").toEqual([]);
  });

  step("End on the other session signs the second browser out", async () => {
    const [second] = elsewhere;
    if (!second) throw new Error("the previous step signs a second browser in");
    expect(await sessionCheckStatus(second)).toBe(200);

    await otherSessions(env.page).getByRole("button", { name: "End", exact: true }).click();
    await env.page.getByRole("status").getByText(t("en", "account.sessions.ended"), { exact: true }).waitFor();
    await expect.poll(() => sessionItems(env.page).count()).toBe(1);
    expect(await currentSession(env.page).count()).toBe(1);
    await env.page.getByText(t("en", "account.sessions.noOthers"), { exact: true }).waitFor();
    expect(await env.page.getByRole("button", { name: "End all other sessions", exact: true }).count()).toBe(0);

    expect(await sessionCheckStatus(second)).toBe(401);
    const page = second.pages()[0] ?? (await second.newPage());
    await page.goto("/console/instances");
    await page.waitForURL((url) => url.pathname === "/login");
    await expectLoginForm(page);

    // This browser stays signed in.
    expect(await sessionCheckStatus(env.context)).toBe(200);
    await closeElsewhere();
  });

  step("End all other sessions signs every other browser out and keeps this one", async () => {
    const others = [await signInElsewhere(), await signInElsewhere()];
    await env.page.reload();
    await expect.poll(() => sessionItems(env.page).count()).toBe(3);

    await env.page.getByRole("button", { name: "End all other sessions", exact: true }).click();
    await env.page
      .getByRole("status")
      .getByText(t("en", "account.sessions.endedOthers_other", { count: 2 }), { exact: true })
      .waitFor();
    await expect.poll(() => sessionItems(env.page).count()).toBe(1);
    for (const context of others) expect(await sessionCheckStatus(context)).toBe(401);
    expect(await sessionCheckStatus(env.context)).toBe(200);
    await closeElsewhere();
  });

  step("Download my data saves a JSON file with the account and its instances, without any token", async () => {
    // An instance to find in the file, created in the Instances tab.
    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    await env.page.getByRole("button", { name: "Create instance", exact: true }).click();
    await env.page.getByRole("textbox", { name: "Name", exact: true }).fill("Radio guidance");
    await env.page.getByRole("button", { name: "Create", exact: true }).click();
    await env.page.waitForURL((url) => /^\/console\/instances\/\d+$/.test(url.pathname));
    idInstance = new URL(env.page.url()).pathname.split("/").at(-1) ?? "";
    const tokenAnswer = await env.context.request.get(`/api/console/instances/${idInstance}/token`);
    expect(tokenAnswer.status()).toBe(200);
    apiTokenInstance = ((await tokenAnswer.json()) as { apiTokenInstance: string }).apiTokenInstance;
    expect(apiTokenInstance).toMatch(/^[0-9a-f]{50}$/);

    await openAccountTab(env.page);
    const [download] = await Promise.all([
      env.page.waitForEvent("download"),
      env.page.getByRole("link", { name: "Download my data", exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^switchboard-account-.*\.json$/);
    const file = await download.path();
    const text = await readFile(file, "utf8");
    const data: unknown = JSON.parse(text);
    expect(typeof data).toBe("object");

    expect(text).toContain(email);
    expect(text).toContain(idInstance);
    expect(text).toContain("Radio guidance");
    // Neither the token nor its hash leaves the server this way.
    expect(text).not.toContain(apiTokenInstance);
    expect(text).not.toContain(createHash("sha256").update(apiTokenInstance).digest("hex"));
    expect(text).not.toContain(password);
    // The page is still the Account tab: the download did not navigate away.
    expect(new URL(env.page.url()).pathname).toBe("/console/account");
  });

  step("Create partner token shows a new token, which the partner API takes: getInstances lists the account's instance", async () => {
    const card = partnerCard(env.page);
    await card.getByText(t("en", "account.partner.none"), { exact: true }).waitFor();
    expect(await credential(env.page, "partnerApiUrl").textContent()).toBe(env.server.url);
    expect(await card.getByRole("button", { name: "Show token", exact: true }).count(), "no token to show yet").toBe(0);

    await card.getByRole("button", { name: "Create partner token", exact: true }).click();
    await card.getByRole("status").getByText(t("en", "account.partner.created"), { exact: true }).waitFor();
    const token = credential(env.page, "partnerToken");
    await expect.poll(() => token.textContent(), { message: "the new token is shown at once" }).toMatch(/^[0-9a-f]{50}$/);
    partnerToken = (await token.textContent()) ?? "";
    const regenerate = card.getByRole("button", { name: "Regenerate partner token", exact: true });
    expect(await regenerate.evaluate((button) => button === document.activeElement), "the focus stays on the button").toBe(true);
    expect(await seriousAxeViolations(env.page), "the Partner API card with its token").toEqual([]);

    // On a fresh page the token is hidden again, and Show fetches it from the server.
    await env.page.reload();
    await card.getByRole("button", { name: "Show token", exact: true }).click();
    await expect.poll(() => token.textContent()).toBe(partnerToken);

    const { status, body } = await partnerGetInstances(env.server.url, partnerToken);
    expect(status).toBe(200);
    expect(Array.isArray(body), JSON.stringify(body)).toBe(true);
    expect((body as { idInstance: number }[]).map((instance) => String(instance.idInstance))).toEqual([idInstance]);
  });

  step("Regenerate partner token, once confirmed, shows a new token; the old one is refused at once", async () => {
    const card = partnerCard(env.page);
    await card.getByRole("button", { name: "Regenerate partner token", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Regenerate partner token", exact: true });
    await dialog.getByText(t("en", "account.partner.regenerateDialog.message"), { exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page), "the confirmation dialog").toEqual([]);
    await dialog.getByRole("button", { name: "Regenerate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });

    await card.getByRole("status").getByText(t("en", "account.partner.regenerated"), { exact: true }).waitFor();
    // The new token comes with the message, shown.
    const renewed = (await credential(env.page, "partnerToken").textContent()) ?? "";
    expect(renewed).toMatch(/^[0-9a-f]{50}$/);
    expect(renewed).not.toBe(partnerToken);

    // GREEN-API's partner API refuses a token with a 200 that says 401.
    expect(await partnerGetInstances(env.server.url, partnerToken)).toEqual({
      status: 200,
      body: { code: 401, description: "Unauthorized" },
    });
    const { status, body } = await partnerGetInstances(env.server.url, renewed);
    expect(status).toBe(200);
    expect(Array.isArray(body), JSON.stringify(body)).toBe(true);
  });

  step("Delete account with a wrong password says so beside the password field and keeps the account", async () => {
    const field = passwordField(env.page, "Your current password");
    await field.fill("Not-My-Password-1");
    await env.page.getByRole("button", { name: "Delete account", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Delete your account?", exact: true });
    await dialog.waitFor();
    expect(await seriousAxeViolations(env.page), "the confirmation dialog").toEqual([]);
    await dialog.getByRole("button", { name: "Delete my account", exact: true }).click();
    await dialog.waitFor({ state: "detached" });

    expect(await fieldErrorBeside(field)).toContain(t("en", "fieldErrors.current_password_wrong"));
    expect(new URL(env.page.url()).pathname).toBe("/console/account");
    expect(await sessionCheckStatus(env.context)).toBe(200);
  });

  step("Cancel in the confirmation deletes nothing", async () => {
    await passwordField(env.page, "Your current password").fill(password);
    await env.page.getByRole("button", { name: "Delete account", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Delete your account?", exact: true });
    await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await sessionCheckStatus(env.context)).toBe(200);
  });

  step("Delete account with the current password signs the person out onto the home page", async () => {
    await passwordField(env.page, "Your current password").fill(password);
    await env.page.getByRole("button", { name: "Delete account", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Delete your account?", exact: true });
    await dialog.getByRole("button", { name: "Delete my account", exact: true }).click();

    await env.page.waitForURL((url) => url.pathname === "/");
    await env.page.getByRole("status").getByText(t("en", "account.delete.done"), { exact: true }).waitFor();
    expect(await sessionCookie(env.context), "the session cookie is cleared").toBeUndefined();
    expect(await sessionCheckStatus(env.context)).toBe(401);

    // The instance went with the account: its token stops working at once.
    const api = await env.context.request.get(`/waInstance${idInstance}/getStateInstance/${apiTokenInstance}`);
    expect(api.status()).toBe(403);

    await env.page.goto("/console/account");
    await env.page.waitForURL((url) => url.pathname === "/login");
  });

  step("the deleted account's email and password no longer log in", async () => {
    await submitLogin(env.page, { email, password });
    await env.page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
    expect(new URL(env.page.url()).pathname).toBe("/login");
  });

  step("the same email can register again, as a new account without the old one's instances", async () => {
    await env.page.goto("/register");
    await env.page.getByRole("heading", { name: "Registration", exact: true }).waitFor();
    await submitRegistration(env.page, { email, password });
    await expectConsole(env.page);
    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    await env.page.getByText("You have no instances yet.", { exact: true }).waitFor();
  });
});
