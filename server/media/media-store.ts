import { createHash, randomBytes } from "node:crypto";
import { Transform, type Readable, type TransformCallback } from "node:stream";

/** A file past the size allowed: nothing of it is kept. */
export class FileTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
    this.name = "FileTooLarge";
  }
}

/** A new blob key: 128 random bits as 32 hex characters. */
export function createBlobKey(): string {
  return randomBytes(16).toString("hex");
}

/** Keys are created here only; anything else is refused before it reaches a path or a query. */
export const BLOB_KEY = /^[0-9a-f]{32}$/;

export interface StoredBlob {
  size: number;
  /** Hex SHA-256 of the bytes, computed while they streamed in. */
  sha256: string;
}

/** Bytes [start, end], both included, as HTTP ranges count them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live. Bytes stream in and out: no call holds a whole file in memory.
 * Implementations: the local disk (one node) and the database (several nodes); an
 * S3-compatible one fits the same three calls.
 */
export interface MediaStore {
  /**
   * Streams `source` in under a new key (createBlobKey); past `maxBytes` it stops, keeps
   * nothing and throws FileTooLarge. The caller names the key first, so that a record of the
   * upload can exist before its bytes do and a crash mid-upload leaves nothing unaccounted.
   */
  put(key: string, source: Readable, maxBytes: number): Promise<StoredBlob>;
  /** The bytes of a stored blob, or of a range of it; undefined when there is no such blob. */
  read(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Removes a blob, or what a put cut short left of it; nothing happens when there is none. */
  remove(key: string): Promise<void>;
}

/**
 * Counts and hashes the bytes passing through, and fails with FileTooLarge as soon as they
 * exceed the limit, so that an oversized upload is cut off while it streams.
 */
export class MeteredStream extends Transform {
  size = 0;
  private readonly hash = createHash("sha256");

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new FileTooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  get sha256(): string {
    return this.hash.copy().digest("hex");
  }
}
