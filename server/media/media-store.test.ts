import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../clock.js";
import { countRows, createTestDatabase, type TestDatabase } from "../test/test-database.js";
import { CHUNK_BYTES, DatabaseMediaStore } from "./database-media-store.js";
import { DiskMediaStore } from "./disk-media-store.js";
import { createBlobKey, FileTooLarge, type MediaStore } from "./media-store.js";

let database: TestDatabase;
let folder: string;

beforeAll(async () => {
  database = await createTestDatabase();
  folder = await mkdtemp(path.join(os.tmpdir(), "switchboard-media-"));
});
afterAll(async () => {
  await database.destroy();
  await rm(folder, { recursive: true, force: true });
});

/** Bytes in pieces of uneven sizes, as a network delivers them. */
function streamOf(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0, piece = 1; offset < bytes.length; offset += piece, piece = (piece * 7 + 13) % 100_000 || 1) {
    pieces.push(bytes.subarray(offset, offset + piece));
  }
  return Readable.from(pieces);
}

async function bytesOf(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) throw new Error("no such blob");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Files under the disk store's folder, partial ones included. */
async function filesOnDisk(): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

/** What a store kept, to check that a refused upload left nothing behind. */
const leftovers: Record<string, () => Promise<number>> = {
  disk: async () => (await filesOnDisk()).length,
  database: async () => (await countRows(database.db, "media_chunk")) + (await countRows(database.db, "media_blob")),
};

const stores: Array<[string, () => MediaStore]> = [
  ["disk", () => new DiskMediaStore(folder)],
  ["database", () => new DatabaseMediaStore(database.db, systemClock)],
];

// The same contract for every store: what the API and the sandbox rely on whichever one a server uses.
describe.each(stores)("the %s media store", (name, makeStore) => {
  it("gives back exactly the bytes it was given, with their size and SHA-256, across chunk boundaries", async () => {
    const store = makeStore();
    for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, 3 * CHUNK_BYTES + 12_345]) {
      const bytes = randomBytes(size);
      const key = createBlobKey();
      const stored = await store.put(key, streamOf(bytes), 10 * 1024 * 1024);
      expect(stored).toEqual({ size, sha256: createHash("sha256").update(bytes).digest("hex") });
      expect((await bytesOf(await store.read(key))).equals(bytes)).toBe(true);
    }
  });

  it("reads ranges as HTTP counts them, both ends included", async () => {
    const store = makeStore();
    const bytes = randomBytes(3 * CHUNK_BYTES + 100);
    const key = createBlobKey();
    await store.put(key, streamOf(bytes), 10 * 1024 * 1024);
    const ranges = [
      { start: 0, end: 0 },
      { start: CHUNK_BYTES - 1, end: CHUNK_BYTES },
      { start: 1_000, end: 2 * CHUNK_BYTES + 5 },
      { start: bytes.length - 1, end: bytes.length - 1 },
      { start: 10, end: bytes.length - 1 },
    ];
    for (const range of ranges) {
      expect((await bytesOf(await store.read(key, range))).equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
    }
  });

  it("refuses a file past the limit while it streams, and keeps nothing of it", async () => {
    const store = makeStore();
    const before = await leftovers[name]!();
    const refused = createBlobKey();
    await expect(store.put(refused, streamOf(randomBytes(2 * CHUNK_BYTES + 1)), 2 * CHUNK_BYTES)).rejects.toBeInstanceOf(FileTooLarge);
    expect(await leftovers[name]!()).toBe(before);
    expect(await store.read(refused)).toBeUndefined();
    // Exactly at the limit is allowed.
    const stored = await store.put(createBlobKey(), streamOf(randomBytes(2 * CHUNK_BYTES)), 2 * CHUNK_BYTES);
    expect(stored.size).toBe(2 * CHUNK_BYTES);
  });

  it("keeps nothing of an upload that broke off midway", async () => {
    const store = makeStore();
    const before = await leftovers[name]!();
    async function* brokenUpload() {
      yield randomBytes(CHUNK_BYTES + 10);
      throw new Error("the client went away");
    }
    await expect(store.put(createBlobKey(), Readable.from(brokenUpload()), 10 * 1024 * 1024)).rejects.toThrow("the client went away");
    expect(await leftovers[name]!()).toBe(before);
  });

  it("answers nothing for an unknown, malformed or removed key, and removing twice is harmless", async () => {
    const store = makeStore();
    expect(await store.read("0".repeat(32))).toBeUndefined();
    expect(await store.read("../../etc/passwd")).toBeUndefined();
    const key = createBlobKey();
    await store.put(key, Readable.from([Buffer.from("short-lived")]), 1_000);
    expect(await text((await store.read(key))!)).toBe("short-lived");
    await store.remove(key);
    await store.remove(key);
    expect(await store.read(key)).toBeUndefined();
  });
});
