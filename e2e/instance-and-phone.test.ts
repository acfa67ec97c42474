import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { describe, expect } from "vitest";
import type { Page } from "playwright-core";
import { seriousAxeViolations } from "./fixtures/axe.js";
import { useConsoleAndBrowser } from "./fixtures/console-and-browser.js";
import { fieldErrorBeside, registerAccount } from "./fixtures/console-ui.js";
import { t } from "./fixtures/i18n.js";
import {
  createInstance,
  credential,
  linkPhoneByQrLink,
  openInstanceTab,
  openPhoneChat,
  openSandboxPhone,
  phonePanel,
  sendApiRequest,
  stateBadge,
} from "./fixtures/instance-ui.js";
import { sequentialSteps } from "./fixtures/steps.js";

/** What receiveNotification answers with, as far as this test reads it. */
interface ReceivedNotification {
  receiptId: number;
  body: {
    typeWebhook: string;
    idMessage?: string;
    senderData?: { chatId?: string };
    messageData?: {
      typeMessage?: string;
      fileMessageData?: { downloadUrl?: string; caption?: string; fileName?: string; mimeType?: string };
      pollMessageData?: unknown;
    };
  };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A real PNG, built here: 2 × 2 pixels of 8-bit RGB (green, red / blue, white). */
function tinyPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0); // width
  header.writeUInt32BE(2, 4); // height
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  // Each row starts with its filter type, 0 (none).
  const rows = Buffer.from([0, 0x1f, 0xa0, 0x4b, 0xd1, 0x2b, 0x2b, 0, 0x1f, 0x4f, 0xd1, 0xff, 0xff, 0xff]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", zlib.deflateSync(rows)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A one-page PDF's worth of text: enough for a document, with the magic number type detection reads. */
function smallPdf(): Buffer {
  return Buffer.from(
    [
      "%PDF-1.4",
      "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
      "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
      "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj",
      "trailer << /Root 1 0 R >>",
      "%%EOF",
      "",
    ].join("\n"),
    "latin1",
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * An instance and a sandbox phone, end to end. Files: the instance sends a picture from the API
 * tab's file picker (sendFileByUpload on its mediaUrl), the phone shows it and answers with a
 * document from its attach control; the instance hears of it through receiveNotification, and the
 * bytes behind downloadFile's link are the very bytes the phone sent. A poll: the instance asks,
 * the phone votes, the instance hears the tally as pollUpdateMessage.
 */
describe("an instance and a sandbox phone exchange files and a poll", () => {
  const env = useConsoleAndBrowser();
  const step = sequentialSteps();

  const email = "grace.hopper@example.com";
  const password = "Compiler-Pioneer-1952";
  const linkedNumber = "79001234601";
  const otherNumber = "79001234602";
  const picture = { name: "pixel.png", mimeType: "image/png", buffer: tinyPng() };
  const pictureCaption = "A picture from the API tab";
  const report = { name: "report.pdf", mimeType: "application/pdf", buffer: smallPdf() };
  const reportCaption = "The quarterly report";

  let idInstance = "";
  let apiTokenInstance = "";
  let sandbox: Page | undefined;

  function sandboxPage(): Page {
    if (!sandbox) throw new Error("the sandbox page is opened by the linking step");
    return sandbox;
  }

  /** Calls the compatible API over HTTP, as an integration does. */
  async function callApi(method: string, init: { verb: "GET" | "POST" | "DELETE"; path?: string; body?: unknown }): Promise<unknown> {
    const url = `${env.server.url}/waInstance${idInstance}/${method}/${apiTokenInstance}${init.path ?? ""}`;
    const response = await fetch(url, {
      method: init.verb,
      headers: init.body === undefined ? {} : { "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    expect(response.status, `${method} answered ${text}`).toBe(200);
    return JSON.parse(text) as unknown;
  }

  step("an instance with incomingWebhook on is linked to a sandbox phone by its QR link; a second phone opens beside it", async () => {
    await registerAccount(env.page, { email, password });
    await env.page.getByRole("link", { name: "Instances", exact: true }).click();
    idInstance = await createInstance(env.page, "Media bot");
    expect(idInstance).toMatch(/^\d{10}$/);

    await env.page.getByRole("button", { name: "Show token", exact: true }).click();
    await expect.poll(() => credential(env.page, "apiTokenInstance").textContent()).toMatch(/^[0-9a-f]{50}$/);
    apiTokenInstance = (await credential(env.page, "apiTokenInstance").textContent()) ?? "";

    // Incoming messages are notified only with incomingWebhook on, poll votes with pollMessageWebhook too; saving restarts the instance.
    expect(await callApi("setSettings", { verb: "POST", body: { incomingWebhook: "yes", pollMessageWebhook: "yes" } })).toEqual({
      saveSettings: true,
    });
    await stateBadge(env.page, "Not authorized").waitFor({ timeout: 10_000 });

    sandbox = await env.context.newPage();
    await linkPhoneByQrLink(env.page, sandbox, { idInstance, number: linkedNumber });
    const otherPanel = await openSandboxPhone(sandbox, otherNumber);
    await otherPanel.getByText("No chats yet.", { exact: true }).waitFor();

    await env.page.bringToFront();
    await stateBadge(env.page, "Authorized").waitFor({ timeout: 15_000 });
  });

  step("the API tab's sendFileByUpload goes to the mediaUrl, asks for a file, then sends the picture picked", async () => {
    await openInstanceTab(env.page, "API");
    const method = env.page.getByRole("combobox", { name: "Method", exact: true });
    await method.selectOption("sendFileByUpload");
    const panel = env.page.getByRole("tabpanel");
    const mediaUrl = env.server.url;
    await panel.getByText(`POST ${mediaUrl}/waInstance${idInstance}/sendFileByUpload/{apiTokenInstance}`, { exact: true }).waitFor();
    expect(await panel.getByRole("textbox", { name: "Request body", exact: true }).count(), "form fields, not a JSON body").toBe(0);

    const file = panel.getByLabel("File", { exact: true });
    await panel.getByRole("button", { name: "Send", exact: true }).click();
    // The field is described by its hint, then its error.
    expect(await fieldErrorBeside(file)).toBe(`${t("en", "apiConsole.multipartHint")} ${t("en", "fieldErrors.required")}`);

    await panel.getByRole("textbox", { name: "chatId", exact: true }).fill(`${otherNumber}@c.us`);
    await file.setInputFiles(picture);
    await panel.getByRole("button", { name: `Remove ${picture.name}`, exact: true }).waitFor();
    expect(await panel.getByRole("textbox", { name: "fileName", exact: true }).inputValue(), "fileName follows the file picked").toBe(
      picture.name,
    );
    await panel.getByRole("textbox", { name: "caption", exact: true }).fill(pictureCaption);
    expect(await seriousAxeViolations(env.page), "API tab with a file picked").toEqual([]);

    const answer = await sendApiRequest(env.page, "sendFileByUpload");
    expect(answer.status, answer.body).toMatch(/^200\b/);
    const sent = JSON.parse(answer.body) as { idMessage?: unknown; urlFile?: unknown };
    expect(typeof sent.idMessage).toBe("string");
    expect(typeof sent.urlFile).toBe("string");
    const stored = await fetch(String(sent.urlFile));
    expect(stored.status).toBe(200);
    expect(sha256(new Uint8Array(await stored.arrayBuffer())), "urlFile serves the picture sent").toBe(sha256(picture.buffer));
  });

  step("the second phone shows the picture inline, its caption under it", async () => {
    const page = sandboxPage();
    await page.bringToFront();
    const panel = phonePanel(page, otherNumber);
    const log = await openPhoneChat(panel, `${linkedNumber}@c.us`);
    const image = log.getByRole("img", { name: picture.name, exact: true });
    await image.waitFor();
    await image.scrollIntoViewIfNeeded();
    await expect
      .poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth), { timeout: 10_000 })
      .toBe(2);
    await log
      .getByRole("listitem")
      .filter({ has: page.getByRole("img", { name: picture.name, exact: true }) })
      .getByText(pictureCaption, { exact: true })
      .waitFor();
  });

  step("the phone replies with a document from its attach control; the chat shows it as a download with its size", async () => {
    const page = sandboxPage();
    const panel = phonePanel(page, otherNumber);
    const attach = panel.getByLabel("Attach file", { exact: true });

    // A file picked by mistake is taken back with Remove.
    await attach.setInputFiles(picture);
    const removePicture = panel.getByRole("button", { name: `Remove ${picture.name}`, exact: true });
    await removePicture.click();
    await removePicture.waitFor({ state: "detached" });
    expect(await attach.evaluate((input: HTMLInputElement) => input.files?.length ?? 0), "the input is emptied too").toBe(0);

    // The file chosen shows with its name and size.
    await attach.setInputFiles(report);
    const remove = panel.getByRole("button", { name: `Remove ${report.name}`, exact: true });
    const chosen = remove.locator("..");
    await chosen.waitFor();
    expect(await chosen.innerText()).toContain(report.name);
    expect(await chosen.innerText()).toContain(`${report.buffer.length} bytes`);

    // With a file attached, the text box is the caption.
    expect(await panel.getByRole("textbox", { name: "Message", exact: true }).count()).toBe(0);
    await panel.getByRole("textbox", { name: "Caption (optional)", exact: true }).fill(reportCaption);
    await panel.getByRole("button", { name: "Send", exact: true }).click();

    const log = panel.getByRole("log", { name: `Chat with ${linkedNumber}@c.us`, exact: true });
    const mine = log.getByRole("listitem").filter({ hasText: "You:" }).filter({ hasText: reportCaption });
    const download = mine.getByRole("link", { name: `${report.name} ${report.buffer.length} bytes`, exact: true });
    await download.waitFor();
    expect(await download.getAttribute("download")).toBe(report.name);

    // The composer is ready for the next message: no file, the Message box empty again.
    await panel.getByRole("textbox", { name: "Message", exact: true }).waitFor();
    expect(await panel.getByRole("textbox", { name: "Message", exact: true }).inputValue()).toBe("");
    expect(await remove.count(), "no file attached any more").toBe(0);
    expect(await seriousAxeViolations(page), "a phone showing a picture and a document").toEqual([]);
  });

  /** Reads (and deletes) notifications until one of `typeMessage` arrives, as an integration polls. */
  async function receiveUntil(typeMessage: string): Promise<ReceivedNotification["body"]> {
    const typesSeen: string[] = [];
    for (let attempt = 1; attempt <= 15; attempt += 1) {
      const notification = (await callApi("receiveNotification", {
        verb: "GET",
        path: "?receiveTimeout=5",
      })) as ReceivedNotification | null;
      if (notification === null) continue; // nothing queued within receiveTimeout: ask again
      typesSeen.push(`${notification.body.typeWebhook}/${notification.body.messageData?.typeMessage ?? "-"}`);
      expect(await callApi("deleteNotification", { verb: "DELETE", path: `/${notification.receiptId}` })).toEqual({ result: true });
      if (notification.body.typeWebhook === "incomingMessageReceived" && notification.body.messageData?.typeMessage === typeMessage) {
        return notification.body;
      }
    }
    throw new Error(`no ${typeMessage} among the notifications (saw ${typesSeen.join(", ") || "none"})`);
  }

  step("the instance receives a documentMessage; downloadFile's link serves the bytes the phone sent", async () => {
    const body = await receiveUntil("documentMessage");
    expect(body.senderData?.chatId).toBe(`${otherNumber}@c.us`);
    expect(body.messageData?.fileMessageData).toMatchObject({ fileName: report.name, caption: reportCaption, mimeType: report.mimeType });

    const download = (await callApi("downloadFile", {
      verb: "POST",
      body: { chatId: `${otherNumber}@c.us`, idMessage: body.idMessage },
    })) as { downloadUrl?: unknown };
    expect(typeof download.downloadUrl).toBe("string");
    const fetched = await fetch(String(download.downloadUrl));
    expect(fetched.status).toBe(200);
    expect(sha256(new Uint8Array(await fetched.arrayBuffer())), "the document's bytes, unchanged").toBe(sha256(report.buffer));
  });

  step("the instance asks a poll; the phone picks an option and votes; the instance hears the tally", async () => {
    const poll = (await callApi("sendPoll", {
      verb: "POST",
      body: { chatId: `${otherNumber}@c.us`, message: "Which day?", options: [{ optionName: "Monday" }, { optionName: "Friday" }] },
    })) as { idMessage: string };
    const page = sandboxPage();
    const panel = phonePanel(page, otherNumber);
    const options = panel.getByRole("group", { name: "Poll options", exact: true });
    await options.waitFor({ timeout: 15_000 });
    await options.getByRole("radio", { name: "Friday", exact: true }).check();
    await options.getByRole("button", { name: "Vote", exact: true }).click();
    await options.getByRole("button", { name: "Change my vote", exact: true }).waitFor();
    expect(await options.getByRole("radio", { name: "Friday", exact: true }).isChecked()).toBe(true);
    expect(await seriousAxeViolations(page), "a phone showing a poll").toEqual([]);

    const update = await receiveUntil("pollUpdateMessage");
    expect(update.senderData?.chatId).toBe(`${otherNumber}@c.us`);
    expect(update.messageData?.pollMessageData).toEqual({
      stanzaId: poll.idMessage,
      name: "Which day?",
      votes: [
        { optionName: "Monday", optionVoters: [] },
        { optionName: "Friday", optionVoters: [`${otherNumber}@c.us`] },
      ],
      multipleAnswers: false,
    });
  });
});
