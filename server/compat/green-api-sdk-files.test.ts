/**
 * Files through the official GREEN-API JavaScript client (@green-api/whatsapp-api-client),
 * used as its users do against this server listening on a real port: uploadFile of a file on
 * disk, sendFileByUpload of a form-data form, sendFileByUrl from a web server and from this
 * server's own link, downloadFile on both sides, and errors as the SDK throws them. Two
 * instances linked to two sandbox phones; runs on the suite's database (SQLite or PostgreSQL).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import FormData from "form-data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Inbox,
  startSdkServer,
  waitUntilAuthorized,
  type FileMessageData,
  type NotificationBody as Body,
  type SdkApi as Api,
  type SdkServer,
} from "../test/sdk-server.js";

const PHONE_P = "79001130001";
const PHONE_Q = "79001130002";
const chat = (number: string) => `${number}@c.us`;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A real 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
/** A PNG with data after its end, as cameras write: large enough to stream in several chunks. */
const PHOTO = Buffer.concat([PNG, randomBytes(200_000)]);
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(40_000), Buffer.from("\n%%EOF\n")]);

let server: SdkServer;
/** Where the user's own files lie, as the SDK's uploadFile reads them from disk. */
let userDir: string;
let origin: string;
let apiA: Api;
let apiB: Api;
let inboxA: Inbox;
let inboxB: Inbox;

// A web server the files come from, on loopback which the operator allows; another on
// 127.0.0.2, which the operator does not allow and which must never be reached.
const servers: Server[] = [];
let filesOrigin = "";
let forbiddenOrigin = "";
let fileServerHits = 0;
let forbiddenHits = 0;

async function listen(server: Server, host: string): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** A link as anyone holding it opens it: plain HTTP, no session. */
async function open(link: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  expect(link.startsWith(`${origin}/media/`), link).toBe(true);
  const response = await fetch(link);
  return { status: response.status, type: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
}

/** What the SDK throws for a non-2xx answer: axios's error with the server's status and text. */
async function sdkFailure(call: Promise<unknown>): Promise<{ status: number | undefined; data: unknown }> {
  try {
    await call;
  } catch (error) {
    const failure = error as { isAxiosError?: boolean; response?: { status: number; data: unknown } };
    expect(failure.isAxiosError).toBe(true);
    return { status: failure.response?.status, data: failure.response?.data };
  }
  throw new Error("the SDK call succeeded; expected it to throw");
}

const incoming = (idMessage: string) => (body: Body) => body.typeWebhook === "incomingMessageReceived" && body.idMessage === idMessage;

beforeAll(async () => {
  filesOrigin = await listen(
    createServer((request, response) => {
      fileServerHits++;
      if (request.url === "/docs/minutes") response.writeHead(200, { "content-type": "application/pdf" }).end(PDF);
      else response.writeHead(404).end();
    }),
    "127.0.0.1",
  );
  forbiddenOrigin = await listen(
    createServer((_request, response) => {
      forbiddenHits++;
      response.end("internal secrets");
    }),
    "127.0.0.2",
  );

  userDir = await mkdtemp(path.join(os.tmpdir(), "switchboard-sdk-user-files-"));
  // The file server is on loopback: the operator allows that one address.
  server = await startSdkServer("sdk-files", [PHONE_P, PHONE_Q], { WEBHOOK_ALLOW_PRIVATE: "127.0.0.1" });
  ({ origin } = server);
  apiA = server.a.api;
  apiB = server.b.api;
  inboxA = new Inbox("A", apiA);
  inboxB = new Inbox("B", apiB);

  const flags = { incomingWebhook: "yes", outgoingWebhook: "yes", outgoingAPIMessageWebhook: "yes" } as const;
  expect(await apiA.settings.setSettings(flags)).toEqual({ saveSettings: true });
  expect(await apiB.settings.setSettings(flags)).toEqual({ saveSettings: true });
  await Promise.all([waitUntilAuthorized(apiA), waitUntilAuthorized(apiB)]);
}, 60_000);

afterAll(async () => {
  await server?.close();
  for (const fileServer of servers) fileServer.closeAllConnections();
  await Promise.all(servers.map((fileServer) => new Promise((resolve) => fileServer.close(resolve))));
  if (userDir) await rm(userDir, { recursive: true, force: true });
});

describe("files through the official GREEN-API JS client", () => {
  let uploadedLink = "";
  it("uploadFile(filePath) answers a link that serves the same bytes as image/png", async () => {
    const filePath = path.join(userDir, "pixel.png");
    await writeFile(filePath, PNG);
    const { urlFile } = await apiA.file.uploadFile(filePath);
    expect(urlFile).toMatch(new RegExp(`^${origin}/media/\\S+\\.png$`));
    uploadedLink = urlFile;

    const served = await open(urlFile);
    expect(served.status).toBe(200);
    expect(served.type).toBe("image/png");
    expect(served.bytes.equals(PNG)).toBe(true);
  });

  let photoId = "";
  let photoLink = "";
  let photoAtB: FileMessageData | undefined;
  it("sendFileByUpload(formData) sends the photo; B receives it with its name, caption and type, as the same bytes", async () => {
    const filePath = path.join(userDir, "IMG_0001.png");
    await writeFile(filePath, PHOTO);
    // As the SDK's example builds it: the form-data package, the file as a stream from disk.
    const form = new FormData();
    form.append("chatId", chat(PHONE_Q));
    form.append("file", createReadStream(filePath), { filename: "IMG_0001.png" });
    form.append("fileName", "holiday.png");
    form.append("caption", "The beach");
    // The SDK's typings name the DOM FormData; its code calls form-data's getHeaders(), as its users pass.
    const sent = await apiA.file.sendFileByUpload(form as unknown as globalThis.FormData);
    expect(sent.idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    expect(sent.urlFile).toMatch(new RegExp(`^${origin}/media/\\S+/holiday\\.png$`));
    photoId = sent.idMessage;
    photoLink = sent.urlFile;

    const received = await inboxB.waitFor("incoming photo", incoming(photoId));
    expect(received.senderData).toMatchObject({ chatId: chat(PHONE_P), sender: chat(PHONE_P) });
    expect(received.messageData?.typeMessage).toBe("imageMessage");
    photoAtB = received.messageData?.fileMessageData;
    expect(photoAtB).toMatchObject({ fileName: "holiday.png", caption: "The beach", mimeType: "image/png" });
    const served = await open(photoAtB?.downloadUrl ?? "");
    expect([served.status, served.type]).toEqual([200, "image/png"]);
    expect(sha256(served.bytes)).toBe(sha256(PHOTO));

    // A's own echo of the API send points at the link its answer gave.
    const echo = await inboxA.waitFor(
      "outgoing API photo",
      (body) => body.typeWebhook === "outgoingAPIMessageReceived" && body.idMessage === photoId,
    );
    expect(echo.messageData).toMatchObject({
      typeMessage: "imageMessage",
      fileMessageData: { downloadUrl: photoLink, fileName: "holiday.png", caption: "The beach", mimeType: "image/png" },
    });
  }, 60_000);

  it("sendFileByUrl fetches a document from a web server; B receives a documentMessage with the same bytes", async () => {
    const hits = fileServerHits;
    const sent = await apiA.file.sendFileByUrl(chat(PHONE_Q), null, `${filesOrigin}/docs/minutes`, "minutes.pdf", "Q3 minutes");
    expect(sent.idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    expect(fileServerHits).toBe(hits + 1);

    const received = await inboxB.waitFor("incoming document", incoming(sent.idMessage));
    expect(received.messageData?.typeMessage).toBe("documentMessage");
    const data = received.messageData?.fileMessageData;
    expect(data).toMatchObject({ fileName: "minutes.pdf", caption: "Q3 minutes", mimeType: "application/pdf" });
    expect(sha256((await open(data?.downloadUrl ?? "")).bytes)).toBe(sha256(PDF));
  }, 60_000);

  it("sendFileByUrl takes a link uploadFile gave, as it is", async () => {
    const hits = fileServerHits;
    const sent = await apiA.file.sendFileByUrl(chat(PHONE_Q), null, uploadedLink, "again.png");
    expect(sent.idMessage).toMatch(/^BAE5[0-9A-F]{12}$/);
    expect(fileServerHits).toBe(hits);

    const received = await inboxB.waitFor("incoming image by link", incoming(sent.idMessage));
    expect(received.messageData?.typeMessage).toBe("imageMessage");
    const data = received.messageData?.fileMessageData;
    // The SDK sends caption "" when none is given.
    expect(data).toMatchObject({ fileName: "again.png", caption: "", mimeType: "image/png" });
    expect((await open(data?.downloadUrl ?? "")).bytes.equals(PNG)).toBe(true);
  }, 60_000);

  it("downloadFile gives B the received photo and A the sent one, as the same bytes", async () => {
    // The typings say urlFile; GREEN-API (and this server) answer downloadUrl.
    const atB = (await apiB.file.downloadFile(chat(PHONE_P), photoId)) as unknown as { downloadUrl: string };
    expect(atB.downloadUrl).toBe(photoAtB?.downloadUrl);
    expect(sha256((await open(atB.downloadUrl)).bytes)).toBe(sha256(PHOTO));

    const atA = (await apiA.file.downloadFile(chat(PHONE_Q), photoId)) as unknown as { downloadUrl: string };
    expect(atA.downloadUrl).toBe(photoLink);
    expect(sha256((await open(atA.downloadUrl)).bytes)).toBe(sha256(PHOTO));
  });

  it("errors reach the caller as the SDK throws them: axios with status 400 and GREEN-API's text", async () => {
    const secret = `${forbiddenOrigin}/secret.pdf`;
    expect(await sdkFailure(apiA.file.sendFileByUrl(chat(PHONE_Q), null, secret, "secret.pdf"))).toEqual({
      status: 400,
      data: expect.stringMatching(new RegExp(`^File from url could not be downloaded: .*(loopback|private).* Url: ${secret}$`)),
    });
    expect(forbiddenHits).toBe(0);

    expect(await sdkFailure(apiB.file.downloadFile(chat(PHONE_P), "BAE5000000000000"))).toEqual({ status: 400, data: "message not found" });

    const empty = path.join(userDir, "empty.png");
    await writeFile(empty, Buffer.alloc(0));
    expect(await sdkFailure(apiA.file.uploadFile(empty))).toEqual({
      status: 400,
      data: "Validation failed. Details: 'file' is not allowed to be empty",
    });
  });
});
