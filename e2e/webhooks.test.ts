import { afterAll, beforeAll, describe, expect } from "vitest";
import type { Locator, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { WebhookReceiver } from "../server/test/webhook-receiver.js";
import type { ReceivedWebhook } from "../server/test/webhook-receiver.js";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { registerAccount } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import { createInstance, instanceTab, openInstanceTab } from "./fixtures/instance-ui.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** The value beside a term of one of the tab's lists (webhookUrl, Queued notifications, signingSecret). */
function definition(page: Page, term: string): Locator {
  return page
    .getByRole("tabpanel")
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]");
}

/** "Delivering", "Paused since …", as the Webhooks tab says it now. */
function deliveryState(page: Page): Locator {
  return page.getByRole("status", { name: "Delivery state", exact: true });
}

function attemptsTable(page: Page): Locator {
  return page.getByRole("table", { name: "Last attempts", exact: true });
}

/** The rows of the attempts table with this outcome and HTTP status. */
function attemptRows(page: Page, outcome: string, status: string): Locator {
  return attemptsTable(page)
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: outcome, exact: true }) })
    .filter({ has: page.getByRole("cell", { name: status, exact: true }) });
}

function secretValue(page: Page): Locator {
  return definition(page, "signingSecret").locator("code");
}

/** Clicks Send test notification and waits for the page to confirm that it was queued. */
async function sendTestNotification(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Send test notification", exact: true }).click();
  await page
    .getByRole("status")
    .getByText(/^A test notification \(receiptId \d+\) was queued\.$/)
    .waitFor();
}

function verifiedWith(secret: string, request: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(request.bodyText, {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  });
}

/**
 * The instance page's Webhooks tab against a real receiver on loopback: the URL set in the Settings
 * tab, test notifications delivered, a 410 Gone pausing delivery until Resume, and the signing
 * secret shown and rotated, and a notification a day old moved to the dead letters and redelivered
 * from there (its age written into the server's database: a browser test cannot move its clock).
 */
describe("webhook push in the console", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();
  const receiver = new WebhookReceiver();
  const hookPath = "/hooks/shop";
  let hookUrl = "";

  const email = "ada.lovelace@example.com";
  const password = "Analytical-Engine-1843";

  /** The test notifications the receiver got, in order (saving settings sends no state change: stateWebhook is off). */
  const testsReceived = () => receiver.to(hookPath).filter((request) => request.body.typeWebhook === "stateInstanceChanged");

  beforeAll(async () => {
    hookUrl = `${await receiver.start()}${hookPath}`;
  });

  afterAll(async () => {
    await receiver.stop();
  });

  step("a new instance's Webhooks tab says Off, and its button leads to the Settings tab", async () => {
    await registerAccount(env.page, { email, password });
    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    await createInstance(env.page, "Shop bot");

    await openInstanceTab(env.page, "Webhooks");
    expect(new URL(env.page.url()).searchParams.get("tab")).toBe("webhooks");
    expect(await deliveryState(env.page).textContent()).toBe("Off");
    await env.page.getByText(t("en", "instance.webhooks.off"), { exact: true }).waitFor();
    expect(await definition(env.page, "webhookUrl").getByText("Not set", { exact: true }).count()).toBe(1);
    await env.page.getByText("No delivery attempts yet.", { exact: true }).waitFor();
    await env.page.getByText("No dead letters.", { exact: true }).waitFor();
    expect(await env.page.getByRole("button", { name: "Resume", exact: true }).count(), "nothing to resume").toBe(0);
    expect(await seriousAxeViolations(env.page), "Webhooks tab, off").toEqual([]);

    await env.page.getByRole("button", { name: "Edit in Settings", exact: true }).click();
    await instanceTab(env.page, "Settings").and(env.page.locator('[aria-selected="true"]')).waitFor();
    await env.page.getByRole("button", { name: "Save settings", exact: true }).waitFor();
    expect(await instanceTab(env.page, "Settings").evaluate((tab) => tab === document.activeElement), "the focus follows to the tab").toBe(
      true,
    );
  });

  step("the receiver's URL is saved in the Settings tab; the Webhooks tab shows it and says Delivering", async () => {
    await env.page.getByRole("textbox", { name: "webhookUrl", exact: true }).fill(hookUrl);
    await env.page.getByRole("button", { name: "Save settings", exact: true }).click();
    await env.page.getByRole("status").getByText(t("en", "settings.saved"), { exact: true }).waitFor();

    await openInstanceTab(env.page, "Webhooks");
    expect(await definition(env.page, "webhookUrl").locator("code").textContent()).toBe(hookUrl);
    await expect.poll(() => deliveryState(env.page).textContent()).toBe("Delivering");
    expect(await env.page.getByText(t("en", "instance.webhooks.off"), { exact: true }).count()).toBe(0);
  });

  step("Send test notification reaches the receiver, and the attempt shows Delivered with status 200", async () => {
    await sendTestNotification(env.page);
    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(1);
    expect(testsReceived()[0]?.headers["webhook-id"]).toMatch(/^msg_/);

    await attemptRows(env.page, "Delivered", "200").first().waitFor({ timeout: 10_000 });
    await expect.poll(() => attemptRows(env.page, "Delivered", "200").count()).toBe(1);
    await attemptRows(env.page, "Delivered", "200").getByRole("cell", { name: "stateInstanceChanged", exact: true }).waitFor();
    await expect.poll(() => definition(env.page, "Queued notifications").textContent()).toBe("0");
    expect(await deliveryState(env.page).textContent()).toBe("Delivering");
    expect(await seriousAxeViolations(env.page), "Webhooks tab with an attempt").toEqual([]);
  });

  step("a receiver answering 410 Gone pauses delivery: the state says why and offers Resume", async () => {
    receiver.respond = () => ({ status: 410 });
    await sendTestNotification(env.page);

    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(2);
    await expect
      .poll(() => deliveryState(env.page).textContent(), { timeout: 10_000 })
      .toMatch(/^Paused since .+: the receiver answered 410 Gone$/);
    await attemptRows(env.page, "Gone", "410").waitFor({ timeout: 10_000 });
    // The notification stays at the head of the queue, waiting.
    expect(await definition(env.page, "Queued notifications").textContent()).toBe("1");
    await env.page.getByRole("button", { name: "Resume", exact: true }).waitFor();
    expect(await seriousAxeViolations(env.page), "Webhooks tab, paused").toEqual([]);
  });

  step("Resume, with the receiver answering 200 again, delivers the held notification: Delivering", async () => {
    receiver.respond = () => ({ status: 200 });
    const refused = testsReceived()[1];
    await env.page.getByRole("button", { name: "Resume", exact: true }).click();
    await env.page.getByRole("status").getByText("Delivery was resumed.", { exact: true }).waitFor();

    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(3);
    // The same notification again, with the same webhook-id for the receiver to deduplicate by.
    expect(testsReceived()[2]?.headers["webhook-id"]).toBe(refused?.headers["webhook-id"]);
    expect(testsReceived()[2]?.bodyText).toBe(refused?.bodyText);
    await expect.poll(() => deliveryState(env.page).textContent(), { timeout: 10_000 }).toBe("Delivering");
    await expect.poll(() => attemptRows(env.page, "Delivered", "200").count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => definition(env.page, "Queued notifications").textContent()).toBe("0");
    expect(await env.page.getByRole("button", { name: "Resume", exact: true }).count()).toBe(0);
  });

  step("Show secret reveals the whsec_ secret the requests are signed with; Hide masks it again", async () => {
    const secret = secretValue(env.page);
    expect(await secret.innerText()).toContain("••••");
    await env.page.getByRole("button", { name: "Show secret", exact: true }).click();
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_/);
    const shown = (await secret.textContent()) ?? "";

    const delivered = testsReceived().at(-1);
    if (!delivered) throw new Error("no test notification was received");
    expect(verifiedWith(shown, delivered)).toEqual(JSON.parse(delivered.bodyText));

    await env.page.getByRole("button", { name: "Hide secret", exact: true }).click();
    await env.page.getByRole("button", { name: "Show secret", exact: true }).waitFor();
    expect(await secret.textContent()).not.toContain("whsec_");
  });

  step("Rotate secret asks first, then shows a new secret; both sign for the next 24 hours", async () => {
    const secret = secretValue(env.page);
    await env.page.getByRole("button", { name: "Show secret", exact: true }).click();
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_/);
    const before = (await secret.textContent()) ?? "";

    await env.page.getByRole("button", { name: "Rotate secret", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Rotate signing secret", exact: true });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Rotate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await env.page.getByRole("status").getByText(t("en", "instance.webhooks.secret.rotated"), { exact: true }).waitFor();

    await expect.poll(() => secret.textContent()).not.toBe(before);
    const after = (await secret.textContent()) ?? "";
    expect(after).toMatch(/^whsec_/);
    await env.page.getByText(/^The previous secret also signs requests until .+\.$/).waitFor({ timeout: 10_000 });

    await sendTestNotification(env.page);
    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(4);
    const signedTwice = testsReceived()[3];
    if (!signedTwice) throw new Error("the last test notification was not received");
    expect(verifiedWith(after, signedTwice)).toEqual(JSON.parse(signedTwice.bodyText));
    expect(verifiedWith(before, signedTwice)).toEqual(JSON.parse(signedTwice.bodyText));
  });

  step("a notification not confirmed within a day shows among the dead letters; Redeliver sends it again with its webhook-id", async () => {
    receiver.respond = () => ({ status: 500 });
    await sendTestNotification(env.page);
    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(5);
    const failed = testsReceived()[4];
    await expect.poll(() => deliveryState(env.page).textContent(), { timeout: 10_000 }).toMatch(/^Retrying since /);
    await attemptRows(env.page, "Failed", "500").first().waitFor({ timeout: 10_000 });

    env.server.ageNotifications(25);
    // The next attempt (5 s after the failure) finds it a day old and sets it aside.
    const deadLetters = env.page.getByRole("table", { name: "Dead letters", exact: true });
    await deadLetters.getByRole("cell", { name: "stateInstanceChanged", exact: true }).waitFor({ timeout: 20_000 });
    await expect.poll(() => definition(env.page, "Queued notifications").textContent()).toBe("0");
    expect(await seriousAxeViolations(env.page), "Webhooks tab with a dead letter").toEqual([]);

    receiver.respond = () => ({ status: 200 });
    await deadLetters
      .getByRole("button", { name: /^Redeliver/ })
      .first()
      .click();
    await expect.poll(() => testsReceived().length, { timeout: 10_000 }).toBe(6);
    expect(testsReceived()[5]?.headers["webhook-id"]).toBe(failed?.headers["webhook-id"]);
    expect(testsReceived()[5]?.bodyText).toBe(failed?.bodyText);
    await env.page.getByText("No dead letters.", { exact: true }).waitFor({ timeout: 10_000 });
    await expect.poll(() => deliveryState(env.page).textContent(), { timeout: 10_000 }).toBe("Delivering");
  });
});
