import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedDispatcher, parseOutboundAllowList } from "../security/outbound-guard.js";
import { DiskMediaStore } from "./disk-media-store.js";
import { createBlobKey, FileTooLarge } from "./media-store.js";
import { fetchRemoteFile, RemoteFileError } from "./remote-file.js";

const photo = randomBytes(300_000);
let origin = "";
let privateOrigin = "";
let privateHits = 0;
let folder = "";
const servers: Server[] = [];
// Only the origin's address is allowed: the second server, on another loopback address, stands for a private one.
const dispatcher = createGuardedDispatcher(parseOutboundAllowList("127.0.0.1/32"));
let store: DiskMediaStore;

async function listen(server: Server, host: string): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "switchboard-remote-"));
  store = new DiskMediaStore(folder);
  privateOrigin = await listen(
    createServer((_request, response) => {
      privateHits++;
      response.end("secret");
    }),
    "127.0.0.2",
  );
  origin = await listen(
    createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://x");
      const hops = Number(url.searchParams.get("hops") ?? 0);
      if (url.pathname === "/photos/cat%20photo.jpg") {
        response.writeHead(200, { "content-type": "image/jpeg; charset=binary", "content-length": photo.length }).end(photo);
      } else if (url.pathname === "/redirect") {
        const next = hops > 1 ? `/redirect?hops=${hops - 1}` : "/photos/cat%20photo.jpg";
        response.writeHead(302, { location: next }).end();
      } else if (url.pathname === "/to-private") {
        response.writeHead(302, { location: `${privateOrigin}/metadata` }).end();
      } else if (url.pathname === "/endless") {
        // No Content-Length: only the bytes themselves tell that the file is too large.
        response.writeHead(200, { "content-type": "application/octet-stream" });
        const pump = setInterval(() => response.write(randomBytes(64 * 1024)), 1);
        response.once("close", () => clearInterval(pump));
      } else if (url.pathname === "/declared-huge") {
        response.writeHead(200, { "content-length": String(10 ** 9) });
        response.write("x");
      } else if (url.pathname === "/stalls") {
        response.writeHead(200);
        response.write("a little, then nothing");
      } else {
        response.writeHead(404).end();
      }
    }),
    "127.0.0.1",
  );
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await dispatcher.close();
  await rm(folder, { recursive: true, force: true });
});

const filesIn = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();

const fetchInto = (url: string, options: Partial<{ maxBytes: number; timeoutMs: number; maxRedirects: number }> = {}) => {
  const limits = { dispatcher, maxBytes: 1024 * 1024, timeoutMs: 5_000, maxRedirects: 3, ...options };
  return fetchRemoteFile(
    url,
    async ({ body, contentType, declaredSize }) => ({
      ...(await store.put(createBlobKey(), body, limits.maxBytes)),
      contentType,
      declaredSize,
    }),
    limits,
  );
};

describe("fetching a file by URL (sendFileByUrl)", () => {
  it("streams the file into the store with its type and declared length", async () => {
    const fetched = await fetchInto(`${origin}/photos/cat%20photo.jpg`);
    expect(fetched).toMatchObject({ size: photo.length, contentType: "image/jpeg", declaredSize: photo.length });
    expect(fetched.sha256).toBe(createHash("sha256").update(photo).digest("hex"));
  });

  it("follows a few redirects, and refuses a longer chain", async () => {
    expect((await fetchInto(`${origin}/redirect?hops=3`)).size).toBe(photo.length);
    await expect(fetchInto(`${origin}/redirect?hops=4`)).rejects.toThrow(new RemoteFileError("more than 3 redirects"));
  });

  it("checks every hop: a redirect to a private address is refused at connect and never reached", async () => {
    await expect(fetchInto(`${origin}/to-private`)).rejects.toThrow(/127\.0\.0\.2 is a loopback address/);
    expect(privateHits).toBe(0);
  });

  it("refuses other schemes, and a file larger than allowed, whether declared or only streamed", async () => {
    await expect(fetchInto("file:///etc/passwd")).rejects.toThrow("file: URLs are not fetched, only http and https");
    await expect(fetchInto(`${origin}/declared-huge`)).rejects.toThrow("the file is larger than 1048576 bytes");
    await expect(fetchInto(`${origin}/endless`)).rejects.toBeInstanceOf(FileTooLarge);
  });

  it("gives up when the answer does not complete in time, keeping nothing", async () => {
    const filesBefore = await filesIn(folder);
    await expect(fetchInto(`${origin}/stalls`, { timeoutMs: 300 })).rejects.toThrow("no complete answer within 300 ms");
    expect(await filesIn(folder)).toEqual(filesBefore);
    await expect(fetchInto(`${origin}/missing`)).rejects.toThrow("the server answered 404");
  });
});
