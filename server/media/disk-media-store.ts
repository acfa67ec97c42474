import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BLOB_KEY, MeteredStream, type ByteRange, type MediaStore, type StoredBlob } from "./media-store.js";

/**
 * Blobs as files under one folder (DATA_DIR/media), two hex characters of the key per
 * subfolder. A blob is written to a temporary name, synced and renamed when complete, so a crash
 * mid-upload never leaves a partial file under a key.
 */
export class DiskMediaStore implements MediaStore {
  constructor(private readonly folder: string) {}

  private pathOf(key: string): string {
    return path.join(this.folder, key.slice(0, 2), key);
  }

  async put(key: string, source: Readable, maxBytes: number): Promise<StoredBlob> {
    if (!BLOB_KEY.test(key)) throw new Error("not a blob key");
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Keys are never reused, so the temporary name can follow from the key: remove() finds it.
    const partial = `${target}.part`;
    const meter = new MeteredStream(maxBytes);
    try {
      // `flush` syncs the bytes before the file closes, and the folder is synced after the rename:
      // once put answers, a send acknowledged with this file survives a power loss.
      await pipeline(source, meter, createWriteStream(partial, { flags: "wx", flush: true }));
      await rename(partial, target);
      await syncFolder(path.dirname(target));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { size: meter.size, sha256: meter.sha256 };
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!BLOB_KEY.test(key)) return undefined;
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch {
      return undefined;
    }
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async remove(key: string): Promise<void> {
    if (!BLOB_KEY.test(key)) return;
    await rm(this.pathOf(key), { force: true });
    await rm(`${this.pathOf(key)}.part`, { force: true });
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
