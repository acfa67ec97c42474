import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { BLOB_KEY, MeteredStream, type ByteRange, type MediaStore, type StoredBlob } from "./media-store.js";

/** Bytes a chunk row holds: large enough to keep rows few, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Blobs in the database, so that every node sharing it serves every file: the bytes in
 * 256 KiB rows written one by one as they stream in, then a blob row that makes the file
 * exist. A file cut short (too large, a failed upload) leaves no blob row and its chunks are
 * removed. Reads fetch one chunk at a time.
 */
export class DatabaseMediaStore implements MediaStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async put(key: string, source: Readable, maxBytes: number): Promise<StoredBlob> {
    if (!BLOB_KEY.test(key)) throw new Error("not a blob key");
    const meter = new MeteredStream(maxBytes);
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Rows of exactly CHUNK_BYTES while bytes come in; what is over waits for the next ones, and
    // at the end (`isLast`) the remainder makes the last, shorter row.
    const writeRows = async (isLast: boolean) => {
      if (pendingBytes < CHUNK_BYTES && !(isLast && pendingBytes > 0)) return;
      const whole = Buffer.concat(pending, pendingBytes);
      let offset = 0;
      while (whole.length - offset >= CHUNK_BYTES || (isLast && offset < whole.length)) {
        await this.db
          .insertInto("media_chunk")
          .values({ key, seq: seq++, data: whole.subarray(offset, offset + CHUNK_BYTES) })
          .execute();
        offset += CHUNK_BYTES;
      }
      pending = offset < whole.length ? [whole.subarray(offset)] : [];
      pendingBytes = Math.max(0, whole.length - offset);
    };
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        writeRows(false).then(() => done(), done);
      },
      final: (done) => void writeRows(true).then(() => done(), done),
    });
    try {
      await pipeline(source, meter, sink);
      await this.db
        .insertInto("media_blob")
        .values({ key, size: meter.size, sha256: meter.sha256, created_at: this.clock.now() })
        .execute();
    } catch (error) {
      await this.db.deleteFrom("media_chunk").where("key", "=", key).execute();
      throw error;
    }
    return { size: meter.size, sha256: meter.sha256 };
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!BLOB_KEY.test(key)) return undefined;
    const blob = await this.db.selectFrom("media_blob").select("size").where("key", "=", key).executeTakeFirst();
    if (!blob) return undefined;
    const size = Number(blob.size);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? size - 1, size - 1);
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = Math.floor(start / CHUNK_BYTES); seq * CHUNK_BYTES <= end; seq++) {
        const row = await db.selectFrom("media_chunk").select("data").where("key", "=", key).where("seq", "=", seq).executeTakeFirst();
        if (!row) throw new Error(`media ${key} lacks chunk ${seq}`);
        const offset = seq * CHUNK_BYTES;
        const data = Buffer.from(row.data);
        yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async remove(key: string): Promise<void> {
    if (!BLOB_KEY.test(key)) return;
    await this.db.deleteFrom("media_blob").where("key", "=", key).execute();
    await this.db.deleteFrom("media_chunk").where("key", "=", key).execute();
  }
}
