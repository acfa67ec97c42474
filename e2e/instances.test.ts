import { describe, expect } from "vitest";
import type { Page } from "playwright-core";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { expectLoginForm, passwordField, registerAccount } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import {
  createInstance,
  credential,
  instanceTab,
  linkPhoneByQrLink,
  openInstanceTab,
  openPhoneChat,
  openSandboxPhone,
  phonePanel,
  qrLinkHref,
  sendApiRequest,
  stateBadge,
  stateRegion,
} from "./fixtures/instance-ui.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** What receiveNotification answers with, as far as this test reads it. */
interface ReceivedNotification {
  receiptId: number;
  body: {
    typeWebhook: string;
    senderData?: { chatId?: string };
    messageData?: { typeMessage?: string; textMessageData?: { textMessage?: string } };
  };
}

type StateWindow = typeof globalThis & { __instanceStatesSeen?: string[]; __sameDocument?: boolean };

/**
 * From now on, every state the badge shows, in order, without repeats: a MutationObserver
 * notes each change, so that a state shown for a moment only is not missed.
 */
async function recordStates(page: Page): Promise<void> {
  await stateRegion(page).evaluate((region) => {
    const seen: string[] = [];
    const note = () => {
      const text = (region.textContent ?? "").replace(/^\s*State\s*/, "").trim();
      if (seen.at(-1) !== text) seen.push(text);
    };
    note();
    new MutationObserver(note).observe(region, { subtree: true, childList: true, characterData: true });
    (globalThis as StateWindow).__instanceStatesSeen = seen;
  });
}

async function statesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((globalThis as StateWindow).__instanceStatesSeen ?? [])]);
}

/** In the API tab: picks a method from the Method select. */
async function chooseMethod(page: Page, name: string): Promise<void> {
  const method = page.getByRole("combobox", { name: "Method", exact: true });
  await method.selectOption(name);
  expect(await method.inputValue()).toBe(name);
}

/**
 * "Instances", followed from registration to deletion in one browser profile: the instance page,
 * linking it to a sandbox phone by its QR link, messages both ways through the API tab and a phone.
 */
describe("instances in the console and the sandbox phones", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();

  const email = "margaret.hamilton@example.com";
  const password = "Apollo-Guidance-1969";
  const linkedNumber = "79001234501";
  const otherNumber = "79001234502";
  const apiMessage = "Hello from the API tab";
  const phoneReply = "Got it, thanks";

  let idInstance = "";
  let instanceUrl = "";
  let sandbox: Page | undefined;

  function sandboxPage(): Page {
    if (!sandbox) throw new Error("the sandbox page is opened by the QR link step");
    return sandbox;
  }

  step("a new account opens on the Instances tab, which says there are no instances yet", async () => {
    await registerAccount(env.page, { email, password });

    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    await env.page.getByRole("heading", { name: "Instances", level: 1 }).waitFor();
    await env.page.getByText("You have no instances yet.", { exact: true }).waitFor();
    expect(await env.page.getByRole("table").count(), "no instance table yet").toBe(0);
    expect(await seriousAxeViolations(env.page)).toEqual([]);
  });

  step("Create instance opens the new instance's page: credentials, the hidden token, its state and QR code", async () => {
    idInstance = await createInstance(env.page, "Shop bot");
    instanceUrl = new URL(env.page.url()).pathname;
    expect(idInstance).toMatch(/^\d{10}$/);
    expect(await instanceTab(env.page, "Overview").getAttribute("aria-selected")).toBe("true");

    expect(await credential(env.page, "idInstance").textContent()).toBe(idInstance);
    expect(await credential(env.page, "apiUrl").textContent()).toBe(env.server.url);
    expect(await credential(env.page, "mediaUrl").textContent()).toBe(env.server.url);

    // The token is hidden until asked for.
    const token = credential(env.page, "apiTokenInstance");
    expect(await token.textContent()).not.toMatch(/[0-9a-f]{50}/);
    expect(await token.innerText()).toContain("••••");
    await env.page.getByRole("button", { name: "Show token", exact: true }).click();
    await expect.poll(() => token.textContent()).toMatch(/^[0-9a-f]{50}$/);
    await env.page.getByRole("button", { name: "Hide token", exact: true }).click();
    await env.page.getByRole("button", { name: "Show token", exact: true }).waitFor();
    expect(await token.textContent()).not.toMatch(/[0-9a-f]{50}/);

    await stateBadge(env.page, "Not authorized").waitFor();
    const qr = env.page.getByRole("img", { name: "QR code for linking", exact: true });
    await qr.waitFor();
    expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), "the QR image has loaded").toBe(true);
    expect(await qrLinkHref(env.page)).toMatch(new RegExp(`^${env.server.url.replace(/\./g, "\\.")}/sandbox\\?link=[\\w-]+$`));
    expect(await seriousAxeViolations(env.page), "Overview tab").toEqual([]);

    await openInstanceTab(env.page, "Settings");
    expect(await seriousAxeViolations(env.page), "Settings tab").toEqual([]);
    await openInstanceTab(env.page, "API");
    expect(await seriousAxeViolations(env.page), "API tab").toEqual([]);
  });

  step("saving settings with incomingWebhook and outgoingWebhook restarts the instance: Starting, then Not authorized", async () => {
    await openInstanceTab(env.page, "Settings");
    const incoming = env.page.getByRole("checkbox", { name: "incomingWebhook", exact: true });
    const outgoing = env.page.getByRole("checkbox", { name: "outgoingWebhook", exact: true });
    expect(await incoming.isChecked(), "notifications are off for a new instance").toBe(false);
    await incoming.check();
    await outgoing.check();

    await stateBadge(env.page, "Not authorized").waitFor();
    await recordStates(env.page);
    await env.page.getByRole("button", { name: "Save settings", exact: true }).click();
    await env.page.getByRole("status").getByText(t("en", "settings.saved"), { exact: true }).waitFor();

    // Saving restarts the instance; the page shows it at once, within the 1.5 s of "Starting".
    await expect.poll(() => statesSeen(env.page), { timeout: 1_500, interval: 50 }).toContain("Starting");
    await stateBadge(env.page, "Not authorized").waitFor({ timeout: 10_000 });
    expect(await statesSeen(env.page)).toEqual(["Not authorized", "Starting", "Not authorized"]);

    // The settings were kept: the tab shows them again when it is opened anew.
    await openInstanceTab(env.page, "Overview");
    await openInstanceTab(env.page, "Settings");
    expect(await incoming.isChecked()).toBe(true);
    expect(await outgoing.isChecked()).toBe(true);
    expect(await env.page.getByRole("checkbox", { name: "stateWebhook", exact: true }).isChecked()).toBe(false);
  });

  step("the QR link opens the Sandbox page, which links the instance to a new phone; a second phone opens beside it", async () => {
    await openInstanceTab(env.page, "Overview");
    const phones = await env.context.newPage();
    sandbox = phones;
    const linkedPanel = await linkPhoneByQrLink(env.page, phones, {
      idInstance,
      number: linkedNumber,
      beforeLinking: async (href) => {
        expect(href.startsWith(`${env.server.url}/sandbox?link=`)).toBe(true);
        await phones.getByRole("heading", { name: "Sandbox phones", level: 1 }).waitFor();
        // No phone is open yet, so the box asks for the number (and the Open phone form waits).
        expect(await phones.getByRole("combobox", { name: "Phone", exact: true }).count()).toBe(0);
        expect(await phones.getByRole("button", { name: "Open phone", exact: true }).count()).toBe(0);
      },
    });
    await phones.waitForURL((url) => url.pathname === "/sandbox" && !url.searchParams.has("link"));
    await linkedPanel.getByText(idInstance, { exact: true }).waitFor();

    const otherPanel = await openSandboxPhone(phones, otherNumber);
    await otherPanel.getByText("No instance is linked to this phone.", { exact: true }).waitFor();
    await otherPanel.getByText("No chats yet.", { exact: true }).waitFor();
    expect(new URL(phones.url()).searchParams.get("phones")).toBe(`${linkedNumber},${otherNumber}`);
    expect(await seriousAxeViolations(phones)).toEqual([]);
  });

  step("back on the instance page, the state turns Authorized by itself, without a reload", async () => {
    await env.page.bringToFront();
    expect(new URL(env.page.url()).pathname).toBe(instanceUrl);
    await env.page.evaluate(() => {
      (globalThis as StateWindow).__sameDocument = true;
    });
    await stateBadge(env.page, "Authorized").waitFor({ timeout: 15_000 });
    expect(await env.page.evaluate(() => (globalThis as StateWindow).__sameDocument), "the page was not reloaded").toBe(true);
    // Linked: the QR code gives way.
    await env.page.getByRole("img", { name: "QR code for linking", exact: true }).waitFor({ state: "detached" });
  });

  step("the API tab sends a message to the second phone: status 200 and an idMessage", async () => {
    await openInstanceTab(env.page, "API");
    await chooseMethod(env.page, "sendMessage");
    const body = env.page.getByRole("textbox", { name: "Request body", exact: true });
    await body.fill(JSON.stringify({ chatId: `${otherNumber}@c.us`, message: apiMessage }));

    const answer = await sendApiRequest(env.page, "sendMessage");
    expect(answer.status).toMatch(/^200\b/);
    const sent = JSON.parse(answer.body) as { idMessage?: unknown };
    expect(typeof sent.idMessage).toBe("string");
    expect(String(sent.idMessage)).not.toBe("");
  });

  step("the second phone shows the message in its chat with the linked number and replies", async () => {
    const page = sandboxPage();
    await page.bringToFront();
    const panel = phonePanel(page, otherNumber);
    const log = await openPhoneChat(panel, `${linkedNumber}@c.us`, apiMessage);
    await log.getByText(apiMessage, { exact: true }).waitFor();
    await panel.getByRole("textbox", { name: "Message", exact: true }).fill(phoneReply);
    await panel.getByRole("button", { name: "Send", exact: true }).click();
    await log
      .getByRole("listitem")
      .filter({ hasText: `You: ${phoneReply}` })
      .waitFor();
    expect(await panel.getByRole("textbox", { name: "Message", exact: true }).inputValue(), "the composer is emptied").toBe("");
  });

  step("receiveNotification in the API tab brings the reply as incomingMessageReceived", async () => {
    await env.page.bringToFront();
    await openInstanceTab(env.page, "API");
    const typesSeen: string[] = [];
    let reply: ReceivedNotification | undefined;
    for (let attempt = 1; attempt <= 15 && reply === undefined; attempt += 1) {
      await chooseMethod(env.page, "receiveNotification");
      await env.page.getByRole("textbox", { name: "Query", exact: true }).fill("receiveTimeout=5");
      const received = await sendApiRequest(env.page, "receiveNotification");
      expect(received.status).toMatch(/^200\b/);
      const notification = JSON.parse(received.body) as ReceivedNotification | null;
      if (notification === null) continue; // nothing queued within receiveTimeout: ask again
      typesSeen.push(notification.body.typeWebhook);
      if (
        notification.body.typeWebhook === "incomingMessageReceived" &&
        notification.body.messageData?.textMessageData?.textMessage === phoneReply
      ) {
        reply = notification;
      }

      await chooseMethod(env.page, "deleteNotification");
      await env.page.getByRole("textbox", { name: "receiptId", exact: true }).fill(String(notification.receiptId));
      const deleted = await sendApiRequest(env.page, "deleteNotification");
      expect(deleted.status).toMatch(/^200\b/);
      expect(JSON.parse(deleted.body)).toEqual({ result: true });
    }
    expect(reply, `the reply among the notifications (saw ${typesSeen.join(", ") || "none"})`).toBeDefined();
    expect(reply?.body.senderData?.chatId).toBe(`${otherNumber}@c.us`);
    expect(typesSeen, "outgoingWebhook reports the sent message's statuses").toContain("outgoingMessageStatus");
  });

  step("signed out, a QR link leads to the Login form, and logging in comes back to the link", async () => {
    await sandboxPage().close();
    sandbox = undefined;
    await env.page.getByRole("banner").getByRole("button", { name: "Logout", exact: true }).click();
    await env.page.waitForURL((url) => url.pathname === "/");

    await env.page.goto("/sandbox?link=whatever");
    await env.page.waitForURL((url) => url.pathname === "/login");
    await expectLoginForm(env.page);
    await env.page.getByLabel("Email", { exact: true }).fill(email);
    await passwordField(env.page).fill(password);
    await env.page.getByRole("button", { name: "Login", exact: true }).click();

    await env.page.waitForURL((url) => url.pathname === "/sandbox" && url.search === "?link=whatever");
    await env.page.getByRole("heading", { name: "Sandbox phones", level: 1 }).waitFor();
    await env.page.getByRole("heading", { name: "Link an instance to a phone", exact: true }).waitFor();
  });

  step("Delete asks first, then removes the instance; the list is empty again", async () => {
    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    await env.page.getByRole("heading", { name: "Instances", level: 1 }).waitFor();
    await env.page.getByRole("table").getByRole("link", { name: idInstance, exact: true }).click();
    await env.page.getByRole("heading", { name: "Shop bot", level: 1 }).waitFor();

    await env.page.getByRole("main").getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Delete instance", exact: true });
    await dialog.waitFor();
    await dialog.getByText(t("en", "instance.deleteDialog.message", { id: idInstance }), { exact: true }).waitFor();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();

    await env.page.waitForURL((url) => url.pathname === "/console/instances");
    await env.page.getByRole("status").getByText(`Instance ${idInstance} was deleted.`, { exact: true }).waitFor();
    await env.page.getByText("You have no instances yet.", { exact: true }).waitFor();
    expect(await dialog.count()).toBe(0);
  });

  step("Regenerate token on another instance shows a new token, with which the API answers", async () => {
    const secondId = await createInstance(env.page, "Support bot");
    expect(secondId).toMatch(/^\d{10}$/);
    expect(secondId).not.toBe(idInstance);

    const token = credential(env.page, "apiTokenInstance");
    await env.page.getByRole("button", { name: "Show token", exact: true }).click();
    await expect.poll(() => token.textContent()).toMatch(/^[0-9a-f]{50}$/);
    const before = (await token.textContent()) ?? "";

    await env.page.getByRole("button", { name: "Regenerate token", exact: true }).click();
    const dialog = env.page.getByRole("dialog", { name: "Regenerate token", exact: true });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Regenerate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await env.page.getByRole("status").getByText(t("en", "instance.actions.regenerated"), { exact: true }).waitFor();

    await expect.poll(() => token.textContent()).not.toBe(before);
    expect(await token.textContent()).toMatch(/^[0-9a-f]{50}$/);

    // The API tab calls with the token shown.
    await openInstanceTab(env.page, "API");
    await chooseMethod(env.page, "getStateInstance");
    const answer = await sendApiRequest(env.page, "getStateInstance");
    expect(answer.status).toMatch(/^200\b/);
    expect(JSON.parse(answer.body)).toEqual({ stateInstance: "notAuthorized" });
  });
});
