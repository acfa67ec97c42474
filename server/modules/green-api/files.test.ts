import { createHash, randomBytes } from "node:crypto";
import dns from "node:dns";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { PassThrough } from "node:stream";
import type { AddressInfo, LookupFunction } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, TEST_PUBLIC_URL, type Client, type TestApp } from "../../test/build-test-app.js";
import { countRows, testDialect } from "../../test/test-database.js";
import {
  callApi,
  createInstance,
  createLinkedTestInstance,
  drainNotifications,
  flushSends,
  formBody,
  type FormFile,
  type TestInstance,
} from "../../test/instances.js";

/** A real 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(40_000), Buffer.from("\n%%EOF\n")]);
const MEGABYTE = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let harness: TestApp;
let client: Client;
let dataDir: string;
let instance: TestInstance & { phone: string };
/** A second sandbox phone, the instance's correspondent. */
const friend = "79005550301";

// The file server listens on 127.0.0.2, the one private address the operator allows; 127.0.0.1
// stands for every address that must never be reached.
let filesOrigin = "";
let forbiddenPort = 0;
let forbiddenHits = 0;
let fileServerHits = 0;
const servers: Server[] = [];

/** DNS as the tests need it: one name for the allowed file server, one that resolves to loopback. */
const lookup = ((
  hostname: string,
  options: dns.LookupOptions,
  callback: (error: Error | null, addresses: unknown, family?: number) => void,
) => {
  const address = { "files.example.test": "127.0.0.2", "rebinding.example.test": "127.0.0.1" }[hostname];
  if (!address) return dns.lookup(hostname, options, callback as never);
  if (options.all) callback(null, [{ address, family: 4 }]);
  else callback(null, address, 4);
}) as unknown as LookupFunction;

async function listen(server: Server, host: string): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  forbiddenPort = await listen(
    createServer((_request, response) => {
      forbiddenHits++;
      response.end("internal secrets");
    }),
    "127.0.0.1",
  );
  const filesPort = await listen(
    createServer((request, response) => {
      fileServerHits++;
      const url = new URL(request.url ?? "/", "http://x");
      if (url.pathname === "/photos/cat.png") response.writeHead(200, { "content-type": "image/png" }).end(PNG);
      else if (url.pathname === "/download") response.writeHead(200, { "content-type": "application/octet-stream" }).end(PDF);
      else if (url.pathname === "/to-loopback") response.writeHead(302, { location: `http://127.0.0.1:${forbiddenPort}/` }).end();
      else if (url.pathname === "/declared-huge") response.writeHead(200, { "content-length": String(50 * MEGABYTE) }).end();
      else if (url.pathname === "/endless") {
        response.writeHead(200, { "content-type": "video/mp4" });
        const pump = setInterval(() => response.write(randomBytes(64 * 1024)), 1);
        response.once("close", () => clearInterval(pump));
      } else response.writeHead(404).end();
    }),
    "127.0.0.2",
  );
  filesOrigin = `http://files.example.test:${filesPort}`;
  dataDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-files-"));
  harness = await buildTestApp(
    { DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: "127.0.0.2", MEDIA_MAX_FILE_MB: "1", MEDIA_QUOTA_MB: "3" },
    { lookup },
  );
  ({ client } = await registerPerson(harness.app));
  await client.post("/api/sandbox/phones", { number: friend });
  instance = await createLinkedTestInstance(harness, client, "79005550300");
});
afterAll(async () => {
  await harness.close();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(dataDir, { recursive: true, force: true });
});

/** The path of one of this server's links, for an in-process request. */
function pathOf(link: string): string {
  expect(link.startsWith(`${TEST_PUBLIC_URL}/media/`)).toBe(true);
  return link.slice(TEST_PUBLIC_URL.length);
}

function download(link: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET") {
  return harness.app.inject({ method, url: pathOf(link), headers });
}

/** What the store holds: files on disk (SQLite runs) or blob rows (PostgreSQL runs). */
async function storedBlobs(): Promise<number> {
  if (testDialect === "postgres") return countRows(harness.database.db, "media_blob");
  const entries = await readdir(path.join(dataDir, "media"), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

async function nothingKept<T>(action: () => Promise<T>): Promise<T> {
  const [files, blobs] = [await countRows(harness.database.db, "media_file"), await storedBlobs()];
  const result = await action();
  expect(await countRows(harness.database.db, "media_file")).toBe(files);
  expect(await storedBlobs()).toBe(blobs);
  return result;
}

async function uploadRaw(target: TestInstance, bytes: Buffer, headers: Record<string, string>) {
  return callApi(harness.app, target, "POST", "uploadFile", { payload: bytes, headers });
}

async function sendByUpload(target: TestInstance, fields: Record<string, string>, file?: FormFile, fileField?: string) {
  return callApi(harness.app, target, "POST", "sendFileByUpload", await formBody(fields, file, fileField));
}

async function phoneSendsFile(phone: string, chatId: string, file: FormFile, caption = "") {
  const form = await formBody({ chatId, ...(caption ? { caption } : {}) }, file);
  return client.request("POST", `/api/sandbox/phones/${phone}/files`, form.payload, form.headers);
}

describe("uploadFile", () => {
  it("stores the raw body and answers a link that serves it, typed by Content-Type, without a session", async () => {
    const answer = await uploadRaw(instance, PNG, { "content-type": "image/png" });
    expect(answer.statusCode).toBe(200);
    const { urlFile } = answer.json();
    expect(urlFile).toMatch(new RegExp(`^${TEST_PUBLIC_URL}/media/[\\w-]{22}\\.[\\w-]{22}/[\\w-]{22}\\.png$`));
    const served = await download(urlFile);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
    expect(served.headers).toMatchObject({
      "content-type": "image/png",
      "content-length": String(PNG.length),
      "accept-ranges": "bytes",
      "x-content-type-options": "nosniff",
    });
    expect(served.headers["content-disposition"]).toMatch(/^inline; filename=[\w-]{22}\.png$/);
    expect(served.headers["cache-control"]).toMatch(/^private, max-age=\d+$/);
    expect(served.headers["set-cookie"]).toBeUndefined();
  });

  it("names the file from GA-Filename, types it by extension, then by content, else as .bin", async () => {
    // The extension decides even when the bytes say otherwise.
    const notes = await uploadRaw(instance, PNG, { "content-type": "application/octet-stream", "ga-filename": "notes.txt" });
    expect((await download(notes.json().urlFile)).headers["content-type"]).toBe("text/plain");
    const page = await uploadRaw(instance, Buffer.from("<script>alert(1)</script>"), { "content-type": "text/html" });
    const pageLink = page.json().urlFile as string;
    expect(pageLink.endsWith(".html")).toBe(true);
    const served = await download(pageLink);
    expect(served.headers["content-type"]).toBe("text/html");
    // Anything a browser could run is a download, never a page of this origin.
    expect(served.headers["content-disposition"]).toMatch(/^attachment; filename=[\w-]{22}\.html$/);
    expect(served.headers["content-security-policy"]).toBe("default-src 'none'; sandbox");
    const script = await uploadRaw(instance, Buffer.from("print('hi')\n"), { "ga-filename": "script.py" });
    expect((script.json().urlFile as string).endsWith("/script.py")).toBe(true);

    const pdf = await uploadRaw(instance, PDF, { "content-type": "application/octet-stream" });
    expect((pdf.json().urlFile as string).endsWith(".pdf")).toBe(true);
    expect((await download(pdf.json().urlFile)).headers["content-type"]).toBe("application/pdf");

    const unknown = await uploadRaw(instance, randomBytes(100), { "content-type": "application/octet-stream" });
    expect((unknown.json().urlFile as string).endsWith(".bin")).toBe(true);
  });

  it("serves a link whose name is long, and takes a malformed or overlong Content-Type as unknown", async () => {
    const name = `${"minutes of the annual general meeting ".repeat(4).trim().replace(/ /g, "-")}.txt`;
    const named = await uploadRaw(instance, Buffer.from("agenda"), { "content-type": "text/plain", "ga-filename": name });
    const served = await download(named.json().urlFile);
    expect([served.statusCode, served.body]).toEqual([200, "agenda"]);
    const odd = await uploadRaw(instance, randomBytes(64), { "content-type": `application/${"x".repeat(300)}` });
    expect(odd.statusCode).toBe(200);
    expect((await download(odd.json().urlFile)).headers["content-type"]).toBe("application/octet-stream");
  });

  it("accepts a multipart form with a `file` part too, as the newer SDK sends it", async () => {
    const answer = await callApi(
      harness.app,
      instance,
      "POST",
      "uploadFile",
      await formBody({}, { name: "report.pdf", type: "application/pdf", bytes: PDF }),
    );
    expect(answer.statusCode).toBe(200);
    const served = await download(answer.json().urlFile);
    expect(sha256(served.rawPayload)).toBe(sha256(PDF));
    expect(served.headers["content-disposition"]).toBe("attachment; filename=report.pdf");
  });

  it("refuses an empty file and one past the limit, keeping nothing", async () => {
    await nothingKept(async () => {
      const empty = await uploadRaw(instance, Buffer.alloc(0), { "content-type": "image/png" });
      expect([empty.statusCode, empty.body]).toEqual([400, "Validation failed. Details: 'file' is not allowed to be empty"]);
      const large = await uploadRaw(instance, randomBytes(MEGABYTE + 1), { "content-type": "image/png" });
      expect([large.statusCode, large.body]).toEqual([400, "File exceeded max upload size. Limit: 1mb"]);
      // A form declares no file size: the limit is found while the file streams in.
      const form = await callApi(
        harness.app,
        instance,
        "POST",
        "uploadFile",
        await formBody({}, { name: "big.bin", type: "", bytes: randomBytes(MEGABYTE + 1) }),
      );
      expect([form.statusCode, form.body]).toEqual([400, "File exceeded max upload size. Limit: 1mb"]);
    });
  });
});

describe("sendFileByUpload", () => {
  it("sends the file: the correspondent's phone gets it, the journal and notifications carry it in GREEN-API's shapes", async () => {
    const chatId = `${friend}@c.us`;
    const answer = await sendByUpload(
      instance,
      { chatId, caption: "The beach", fileName: "holiday.png" },
      { name: "IMG_0001.png", type: "image/png", bytes: PNG },
    );
    expect(answer.statusCode).toBe(200);
    const { idMessage, urlFile } = answer.json();
    expect(idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    expect(urlFile.endsWith("/holiday.png")).toBe(true);
    // Queued as GREEN-API lists file sends.
    expect((await callApi(harness.app, instance, "GET", "showMessagesQueue")).json()).toEqual([
      {
        messageID: idMessage,
        type: "sendFileByUrl",
        body: { chatId, fileName: "holiday.png", caption: "The beach", archive: false, urlFile },
      },
    ]);
    await flushSends(harness);

    const fields = { downloadUrl: urlFile, caption: "The beach", fileName: "holiday.png", jpegThumbnail: "", mimeType: "image/png" };
    const sent = (await drainNotifications(harness.app, instance)).find((body) => body.typeWebhook === "outgoingAPIMessageReceived");
    expect(sent?.messageData).toEqual({
      typeMessage: "imageMessage",
      fileMessageData: { ...fields, forwardingScore: 0, isForwarded: false },
    });
    const journal = (await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId, idMessage } })).json();
    expect(journal).toMatchObject({ type: "outgoing", typeMessage: "imageMessage", ...fields });
    expect((await callApi(harness.app, instance, "POST", "downloadFile", { body: { chatId, idMessage } })).json()).toEqual({
      downloadUrl: urlFile,
    });

    const onPhone = (await client.get(`/api/sandbox/phones/${friend}/chats/${instance.phone}@c.us/messages`)).json().messages;
    expect(onPhone.at(-1)).toMatchObject({
      idMessage,
      fromMe: false,
      typeMessage: "imageMessage",
      text: "The beach",
      file: { url: urlFile, fileName: "holiday.png", mimeType: "image/png", size: PNG.length },
    });
    // The chat list describes it in one line.
    const chats = (await client.get(`/api/sandbox/phones/${friend}/chats`)).json().chats as Array<{ chatId: string; lastMessage: string }>;
    expect(chats.find((chat) => chat.chatId === `${instance.phone}@c.us`)?.lastMessage).toBe("📷 The beach");
  });

  it("sends each kind of file as its message type, and the linked phone's own files reach the instance as outgoingMessageReceived", async () => {
    const chatId = `${friend}@c.us`;
    const kinds: Array<[string, string]> = [
      ["clip.mp4", "videoMessage"],
      ["voice.ogg", "audioMessage"],
      ["song.mp3", "audioMessage"],
      ["drawing.svg", "documentMessage"],
      ["sheet.xlsx", "documentMessage"],
      ["anim.gif", "imageMessage"],
    ];
    for (const [name, typeMessage] of kinds) {
      const answer = await sendByUpload(instance, { chatId }, { name, type: "", bytes: randomBytes(2_000) });
      expect(answer.statusCode, name).toBe(200);
      harness.clock.advance(60_000);
      await flushSends(harness);
      const entry = (
        await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId, idMessage: answer.json().idMessage } })
      ).json();
      expect([name, entry.typeMessage]).toEqual([name, typeMessage]);
    }
    await drainNotifications(harness.app, instance);

    const fromPhone = await phoneSendsFile(instance.phone, chatId, { name: "menu.jpg", type: "image/jpeg", bytes: PNG });
    const own = (await drainNotifications(harness.app, instance)).find((body) => body.typeWebhook === "outgoingMessageReceived");
    expect(own).toMatchObject({
      idMessage: fromPhone.json().message.idMessage,
      messageData: { typeMessage: "imageMessage", fileMessageData: { fileName: "menu.jpg", mimeType: "image/jpeg", caption: "" } },
    });
  });

  it("types the file by the fileName field when it has an extension, whatever the part was called", async () => {
    const chatId = `${friend}@c.us`;
    const answer = await sendByUpload(instance, { chatId, fileName: "report.pdf" }, { name: "blob", type: "image/png", bytes: PNG });
    expect(answer.json().urlFile.endsWith("/report.pdf")).toBe(true);
    harness.clock.advance(60_000);
    await flushSends(harness);
    const entry = (
      await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId, idMessage: answer.json().idMessage } })
    ).json();
    expect(entry).toMatchObject({ typeMessage: "documentMessage", fileName: "report.pdf", mimeType: "application/pdf" });
    expect((await download(entry.downloadUrl)).headers["content-disposition"]).toBe("attachment; filename=report.pdf");
  });

  it("answers GREEN-API's errors for a missing file, another file field, a JSON body or bad fields, keeping nothing", async () => {
    const photo = { name: "a.png", type: "image/png", bytes: PNG };
    await nothingKept(async () => {
      const missing = await sendByUpload(instance, { chatId: `${friend}@c.us` });
      expect([missing.statusCode, missing.body]).toEqual([400, "Validation failed. Details: 'file' is required"]);
      const otherField = await sendByUpload(instance, { chatId: `${friend}@c.us` }, photo, "photo");
      expect([otherField.statusCode, otherField.body]).toEqual([400, "Validation failed. Details: 'photo' is not allowed"]);
      const badChat = await sendByUpload(instance, { chatId: "nobody" }, photo);
      expect(badChat.statusCode).toBe(400);
      expect(badChat.body).toContain("'chatId' must be one of the next formats");
      const json = await callApi(harness.app, instance, "POST", "sendFileByUpload", { body: { chatId: `${friend}@c.us` } });
      expect(json.statusCode).toBe(415);
      for (const contentType of ["multipart/form-data", "multipart/form-data; boundary=missing"]) {
        const malformed = await callApi(harness.app, instance, "POST", "sendFileByUpload", {
          payload: Buffer.from("not a form"),
          headers: { "content-type": contentType },
        });
        expect([malformed.statusCode, malformed.body], contentType).toEqual([400, "bad request data"]);
      }
      const tooLarge = await sendByUpload(
        instance,
        { chatId: `${friend}@c.us` },
        { name: "big.mp4", type: "video/mp4", bytes: randomBytes(MEGABYTE + 1) },
      );
      expect([tooLarge.statusCode, tooLarge.body]).toEqual([400, "File exceeded max upload size. Limit: 1mb"]);
    });
    expect((await callApi(harness.app, instance, "GET", "showMessagesQueue")).json()).toEqual([]);
  });
});

describe("sendFileByUrl", () => {
  const send = (body: Record<string, unknown>) =>
    callApi(harness.app, instance, "POST", "sendFileByUrl", { body: { chatId: `${friend}@c.us`, ...body } });

  it("fetches the file and sends it; the name decides the type", async () => {
    const answer = await send({ urlFile: `${filesOrigin}/photos/cat.png`, fileName: "cat.png", caption: "Cat" });
    expect(answer.statusCode).toBe(200);
    const { idMessage } = answer.json();
    await flushSends(harness);
    const journal = (await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId: `${friend}@c.us`, idMessage } })).json();
    expect(journal).toMatchObject({ typeMessage: "imageMessage", fileName: "cat.png", mimeType: "image/png", caption: "Cat" });
    expect((await download(journal.downloadUrl)).rawPayload.equals(PNG)).toBe(true);

    const document = await send({ urlFile: `${filesOrigin}/download`, fileName: "minutes.pdf" });
    await flushSends(harness);
    const entry = (
      await callApi(harness.app, instance, "POST", "getMessage", {
        body: { chatId: `${friend}@c.us`, idMessage: document.json().idMessage },
      })
    ).json();
    expect(entry).toMatchObject({ typeMessage: "documentMessage", fileName: "minutes.pdf", mimeType: "application/pdf" });
  });

  it("takes a link of this server as it is, without fetching it", async () => {
    const uploaded = (await uploadRaw(instance, PNG, { "content-type": "image/png" })).json().urlFile as string;
    const hits = fileServerHits;
    const answer = await send({ urlFile: uploaded, fileName: "again.png" });
    expect(answer.statusCode).toBe(200);
    expect(fileServerHits).toBe(hits);
    await flushSends(harness);
    const entry = (
      await callApi(harness.app, instance, "POST", "getMessage", { body: { chatId: `${friend}@c.us`, idMessage: answer.json().idMessage } })
    ).json();
    expect(entry.fileName).toBe("again.png");
    expect((await download(entry.downloadUrl)).rawPayload.equals(PNG)).toBe(true);
    // A link of this server that names no file is refused like any URL that cannot be fetched.
    const [token, name] = pathOf(uploaded).split("/").slice(2) as [string, string];
    const forgedToken = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const forged = await send({ urlFile: `${TEST_PUBLIC_URL}/media/${forgedToken}/${name}`, fileName: "x.png" });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain("File from url could not be downloaded: the file of this link has expired or does not exist.");
  });

  it("answers GREEN-API's validation errors", async () => {
    const missingName = await send({ urlFile: `${filesOrigin}/photos/cat.png` });
    expect([missingName.statusCode, missingName.body]).toEqual([400, "Validation failed. Details: 'fileName' is required"]);
    const notUrl = await send({ urlFile: "a cat", fileName: "cat.png" });
    expect([notUrl.statusCode, notUrl.body]).toEqual([400, "Validation failed. Details: 'urlFile' must be a valid uri"]);
    const ftp = await send({ urlFile: "ftp://files.example.test/cat.png", fileName: "cat.png" });
    expect(ftp.body).toBe(
      "File from url could not be downloaded: ftp: URLs are not fetched, only http and https. Url: ftp://files.example.test/cat.png",
    );
    const missing = await send({ urlFile: `${filesOrigin}/nothing-here.png`, fileName: "cat.png" });
    expect([missing.statusCode, missing.body]).toEqual([
      400,
      `File from url could not be downloaded: the server answered 404. Url: ${filesOrigin}/nothing-here.png`,
    ]);
  });

  it("never reaches loopback, private or metadata addresses: not by name, not by redirect", async () => {
    await nothingKept(async () => {
      for (const urlFile of [
        `http://rebinding.example.test:${forbiddenPort}/`,
        `${filesOrigin}/to-loopback`,
        `http://127.0.0.1:${forbiddenPort}/`,
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
      ]) {
        const answer = await send({ urlFile, fileName: "secret.txt" });
        expect(answer.statusCode, urlFile).toBe(400);
        expect(answer.body).toMatch(/^File from url could not be downloaded: .*(loopback|link-local|private)/);
      }
    });
    expect(forbiddenHits).toBe(0);
  });

  it("refuses a file past the limit, declared or found while streaming, keeping nothing", async () => {
    await nothingKept(async () => {
      for (const where of ["declared-huge", "endless"]) {
        const urlFile = `${filesOrigin}/${where}`;
        const answer = await send({ urlFile, fileName: "film.mp4" });
        expect([answer.statusCode, answer.body]).toEqual([400, `File from url exceeded max upload size. Limit: 1mb Url: ${urlFile}`]);
      }
    });
  });
});

describe("files a phone sends, and downloadFile", () => {
  it("reaches the instance as documentMessage under its own link, and downloads as the same bytes", async () => {
    const sent = await phoneSendsFile(
      friend,
      `${instance.phone}@c.us`,
      { name: "report.pdf", type: "application/pdf", bytes: PDF },
      "Q3 numbers",
    );
    expect(sent.statusCode).toBe(200);
    const { message } = sent.json();
    expect(message).toMatchObject({
      fromMe: true,
      typeMessage: "documentMessage",
      text: "Q3 numbers",
      file: { fileName: "report.pdf", mimeType: "application/pdf", size: PDF.length },
    });

    const received = (await drainNotifications(harness.app, instance)).find((body) => body.typeWebhook === "incomingMessageReceived");
    expect(received).toMatchObject({ idMessage: message.idMessage, senderData: { chatId: `${friend}@c.us` } });
    const data = received?.messageData as { typeMessage: string; fileMessageData: Record<string, unknown> };
    expect(data.typeMessage).toBe("documentMessage");
    expect(data.fileMessageData).toMatchObject({
      caption: "Q3 numbers",
      fileName: "report.pdf",
      mimeType: "application/pdf",
      jpegThumbnail: "",
    });
    // The instance's own copy: the phone's link is not handed on.
    expect(data.fileMessageData.downloadUrl).not.toBe(message.file.url);

    const { downloadUrl } = (
      await callApi(harness.app, instance, "POST", "downloadFile", { body: { chatId: `${friend}@c.us`, idMessage: message.idMessage } })
    ).json();
    expect(downloadUrl).toBe(data.fileMessageData.downloadUrl);
    expect(sha256((await download(downloadUrl)).rawPayload)).toBe(sha256(PDF));
    const journal = (await callApi(harness.app, instance, "GET", "lastIncomingMessages")).json();
    expect(journal[0]).toMatchObject({
      type: "incoming",
      typeMessage: "documentMessage",
      downloadUrl,
      fileName: "report.pdf",
      caption: "Q3 numbers",
    });
  });

  it("forwards a received file: the recipient gets the file itself", async () => {
    const sent = await phoneSendsFile(friend, `${instance.phone}@c.us`, { name: "ticket.pdf", type: "application/pdf", bytes: PDF });
    const idMessage = sent.json().message.idMessage as string;
    const third = "79005550302";
    await client.post("/api/sandbox/phones", { number: third });
    const forwarded = await callApi(harness.app, instance, "POST", "forwardMessages", {
      body: { chatId: `${third}@c.us`, chatIdFrom: `${friend}@c.us`, messages: [idMessage] },
    });
    expect(forwarded.statusCode).toBe(200);
    harness.clock.advance(60_000);
    await flushSends(harness);
    const onPhone = (await client.get(`/api/sandbox/phones/${third}/chats/${instance.phone}@c.us/messages`)).json().messages;
    expect(onPhone.at(-1)).toMatchObject({ typeMessage: "documentMessage", file: { fileName: "ticket.pdf", size: PDF.length } });
    const echo = (await drainNotifications(harness.app, instance)).find(
      (body) => body.typeWebhook === "outgoingAPIMessageReceived" && body.idMessage === forwarded.json().messages[0],
    );
    expect(echo?.messageData).toMatchObject({
      typeMessage: "documentMessage",
      fileMessageData: { fileName: "ticket.pdf", forwardingScore: 1, isForwarded: true },
    });
    expect(sha256((await download(onPhone.at(-1).file.url)).rawPayload)).toBe(sha256(PDF));
  });

  it("answers 400 for a message without a file and for an unknown message", async () => {
    const text = await client.post(`/api/sandbox/phones/${friend}/messages`, { chatId: `${instance.phone}@c.us`, text: "no file" });
    const idMessage = text.json().message.idMessage as string;
    const noFile = await callApi(harness.app, instance, "POST", "downloadFile", { body: { chatId: `${friend}@c.us`, idMessage } });
    expect([noFile.statusCode, noFile.body]).toEqual([400, "message has no file"]);
    const unknown = await callApi(harness.app, instance, "POST", "downloadFile", {
      body: { chatId: `${friend}@c.us`, idMessage: "NO_SUCH_MESSAGE_ID" },
    });
    expect([unknown.statusCode, unknown.body]).toEqual([400, "message not found"]);
  });

  it("refuses a phone's file without a file, past the limit, or on another person's phone", async () => {
    const missing = await client.request(
      "POST",
      `/api/sandbox/phones/${friend}/files`,
      ...(Object.values(await formBody({ chatId: `${instance.phone}@c.us` })) as [Buffer, Record<string, string>]),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().fields).toEqual({ file: "required" });
    const large = await phoneSendsFile(friend, `${instance.phone}@c.us`, {
      name: "big.mov",
      type: "video/quicktime",
      bytes: randomBytes(MEGABYTE + 1),
    });
    expect(large.statusCode).toBe(400);
    expect(large.json()).toMatchObject({ fields: { file: "too_large" }, message: "The file is larger than 1 MB." });
    const malformed = await client.request("POST", `/api/sandbox/phones/${friend}/files`, Buffer.from("not a form"), {
      "content-type": "multipart/form-data; boundary=missing",
    });
    expect([malformed.statusCode, malformed.json().error]).toEqual([400, "validation_failed"]);
    const { client: stranger } = await registerPerson(harness.app);
    const form = await formBody({ chatId: `${instance.phone}@c.us` }, { name: "a.png", type: "image/png", bytes: PNG });
    expect((await stranger.request("POST", `/api/sandbox/phones/${friend}/files`, form.payload, form.headers)).statusCode).toBe(404);
  });
});

describe("links", () => {
  let link = "";
  const bytes = randomBytes(100_000);
  beforeAll(async () => {
    link = (await uploadRaw(instance, bytes, { "content-type": "video/mp4" })).json().urlFile;
  });

  it("serve byte ranges, as players seek in video and audio", async () => {
    const first = await download(link, { range: "bytes=0-9" });
    expect(first.statusCode).toBe(206);
    expect(first.headers["content-range"]).toBe(`bytes 0-9/${bytes.length}`);
    expect(first.rawPayload.equals(bytes.subarray(0, 10))).toBe(true);
    const last = await download(link, { range: "bytes=-5" });
    expect(last.rawPayload.equals(bytes.subarray(-5))).toBe(true);
    const middle = await download(link, { range: "bytes=50000-" });
    expect([middle.headers["content-length"], middle.rawPayload.equals(bytes.subarray(50_000))]).toEqual([
      String(bytes.length - 50_000),
      true,
    ]);
    const outside = await download(link, { range: `bytes=${bytes.length}-` });
    expect([outside.statusCode, outside.headers["content-range"]]).toEqual([416, `bytes */${bytes.length}`]);
    const head = await download(link, {}, "HEAD");
    expect([head.statusCode, head.headers["content-length"], head.body]).toEqual([200, String(bytes.length), ""]);
    const etag = head.headers.etag as string;
    expect((await download(link, { "if-none-match": etag })).statusCode).toBe(304);
  });

  it("reveal nothing when forged or unknown", async () => {
    const token = pathOf(link).split("/")[2]!;
    const forged = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const url of [
      `/media/${forged}/x.mp4`,
      `/media/${"A".repeat(22)}.${"A".repeat(22)}/x.mp4`,
      "/media/../../etc/passwd",
      "/media/x/y",
    ]) {
      const answer = await harness.app.inject({ method: "GET", url });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.body).not.toContain(String(instance.idInstance));
    }
  });

  it("expire after 15 days: the link and downloadFile stop, housekeeping removes the bytes", async () => {
    const chatId = `${friend}@c.us`;
    const answer = await sendByUpload(instance, { chatId }, { name: "old.png", type: "image/png", bytes: PNG });
    // Past the instance's spacing between sends, so that this one leaves the queue now.
    harness.clock.advance(60_000);
    await flushSends(harness);
    const blobs = await storedBlobs();
    harness.clock.advance(15 * 24 * 60 * 60_000 + 1);
    expect((await download(answer.json().urlFile)).statusCode).toBe(404);
    const expired = await callApi(harness.app, instance, "POST", "downloadFile", { body: { chatId, idMessage: answer.json().idMessage } });
    expect([expired.statusCode, expired.body]).toEqual([400, "file not found: files are kept for a limited time and this one has expired"]);
    await harness.app.housekeeping();
    expect(await storedBlobs()).toBeLessThan(blobs);
    expect(await countRows(harness.database.db, "media_file")).toBe(0);
  });
});

describe("each account's storage", () => {
  it("is capped by the quota with a clear error; another account is not affected; a deleted instance's files go at once", async () => {
    const { client: person } = await registerPerson(harness.app);
    const own = await createInstance(person);
    const almostOneMegabyte = randomBytes(MEGABYTE - 1);
    const links: string[] = [];
    for (let index = 0; index < 3; index++) {
      const answer = await uploadRaw(own, almostOneMegabyte, {
        "content-type": "application/octet-stream",
        "ga-filename": `part${index}.bin`,
      });
      expect(answer.statusCode, answer.body).toBe(200);
      links.push(answer.json().urlFile);
    }
    const over = await nothingKept(() => uploadRaw(own, Buffer.from("one more"), { "content-type": "text/plain" }));
    expect([over.statusCode, over.body]).toEqual([400, "File exceeded the account's storage for files. Limit: 3mb"]);
    const elsewhere = await uploadRaw(instance, Buffer.from("still room here"), { "content-type": "text/plain" });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);

    expect((await person.request("DELETE", `/api/console/instances/${own.idInstance}`)).statusCode).toBe(204);
    for (const link of links) expect((await download(link)).statusCode).toBe(404);
    const again = await createInstance(person);
    expect((await uploadRaw(again, Buffer.from("room again"), { "content-type": "text/plain" })).statusCode).toBe(200);
  });

  it("charges a file once however often it is sent again by its link", async () => {
    const { client: person } = await registerPerson(harness.app);
    const own = await createInstance(person);
    const uploaded = (await uploadRaw(own, randomBytes(MEGABYTE - 1), { "content-type": "video/mp4" })).json().urlFile as string;
    for (let index = 0; index < 5; index++) {
      const sent = await callApi(harness.app, own, "POST", "sendFileByUrl", {
        body: { chatId: `${friend}@c.us`, urlFile: uploaded, fileName: `clip${index}.mp4` },
      });
      expect(sent.statusCode, sent.body).toBe(200);
    }
    // 1 MB stored of 3: two more fit.
    for (let index = 0; index < 2; index++) {
      expect((await uploadRaw(own, randomBytes(MEGABYTE - 1), { "content-type": "video/mp4" })).statusCode).toBe(200);
    }
  });

  it("keeps nothing of an upload whose instance is deleted while it arrives", async () => {
    const { client: person } = await registerPerson(harness.app);
    const own = await createInstance(person);
    const { userId } = (await harness.app.messaging.find(own.idInstance))!;
    const blobs = await storedBlobs();
    const arriving = new PassThrough();
    const upload = harness.app.media.store({ userId, idInstance: own.idInstance }, arriving, { fileName: "late.bin" });
    arriving.write(randomBytes(300_000));
    expect((await person.request("DELETE", `/api/console/instances/${own.idInstance}`)).statusCode).toBe(204);
    arriving.end(randomBytes(300_000));
    await expect(upload).rejects.toThrow();
    expect(await storedBlobs()).toBe(blobs);
  });

  it("is exported without links, and goes with the account", async () => {
    const { client: person, password } = await registerPerson(harness.app);
    const own = await createInstance(person);
    const link = (await uploadRaw(own, PNG, { "content-type": "image/png", "ga-filename": "me.png" })).json().urlFile as string;
    const exported = (await person.get("/api/console/account/export")).json();
    expect(exported.files).toEqual([
      expect.objectContaining({ fileName: "me.png", mimeType: "image/png", size: PNG.length, sha256: sha256(PNG) }),
    ]);
    expect(JSON.stringify(exported)).not.toContain(pathOf(link));
    const blobs = await storedBlobs();
    expect((await person.post("/api/console/account/delete", { currentPassword: password })).statusCode).toBe(204);
    expect((await download(link)).statusCode).toBe(404);
    expect(await storedBlobs()).toBe(blobs - 1);
  });
});
