import { createHash, hash, randomBytes, randomFillSync, randomInt, randomUUID, timingSafeEqual } from "node:crypto";

// crypto.hash skips the Hash object that createHash builds: every API call hashes its token.
export function sha256Hex(value: string): string {
  return hash("sha256", value, "hex");
}

export function sha256Bytes(value: string): Buffer {
  return hash("sha256", value, "buffer");
}

/** 256 random bits, URL-safe. */
export function createSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

export function createId(): string {
  return randomUUID();
}

/**
 * Random bytes for ids (not secrets) drawn from a pool filled 4 KiB at a time: one call to the
 * system's generator per message cost a tenth of an acknowledged send (bench/README.md).
 */
const idPool = Buffer.alloc(4096);
let idPoolUsed = idPool.length;

/** `bytes` random bytes as lower-case hex, at most 64 of them. */
export function randomIdHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64) throw new RangeError(`randomIdHex takes 1 to 64 bytes, not ${bytes}`);
  if (idPoolUsed + bytes > idPool.length) {
    randomFillSync(idPool);
    idPoolUsed = 0;
  }
  idPoolUsed += bytes;
  return idPool.toString("hex", idPoolUsed - bytes, idPoolUsed);
}

let sequence = 0;
/**
 * An id that sorts by time, then by order of creation in this process, so that
 * rows made in one millisecond keep their order (queues are FIFO by it). 30 characters.
 */
export function createSortableId(now: number): string {
  sequence = (sequence + 1) % 36 ** 6;
  return `${now.toString(36).padStart(10, "0")}${sequence.toString(36).padStart(6, "0")}${randomIdHex(7)}`;
}

/**
 * Crockford's base32 without I, L, O, U: no look-alike characters, and a word that
 * a double click selects whole. 20 characters carry 100 bits.
 */
const TEMPORARY_PASSWORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const TEMPORARY_PASSWORD_LENGTH = 20;

export function createTemporaryPassword(): string {
  let password = "";
  for (let index = 0; index < TEMPORARY_PASSWORD_LENGTH; index++) {
    password += TEMPORARY_PASSWORD_ALPHABET[randomInt(TEMPORARY_PASSWORD_ALPHABET.length)];
  }
  return password;
}

/**
 * Temporary passwords carry 100 random bits, so SHA-256 keeps them safe at rest; a slow hash
 * would only let anyone who types a guess make the server work.
 */
const TEMPORARY_PASSWORD_HASH_PREFIX = "sha256:";

export function hashTemporaryPassword(password: string): string {
  return `${TEMPORARY_PASSWORD_HASH_PREFIX}${sha256Hex(password)}`;
}

/** False for older rows, which hold an argon2id hash instead. */
export function isSha256TemporaryPasswordHash(storedHash: string): boolean {
  return storedHash.startsWith(TEMPORARY_PASSWORD_HASH_PREFIX);
}

/** Compares in constant time; false for a hash of another kind. */
export function matchesTemporaryPasswordHash(storedHash: string, password: string): boolean {
  if (!isSha256TemporaryPasswordHash(storedHash)) return false;
  const expected = Buffer.from(storedHash.slice(TEMPORARY_PASSWORD_HASH_PREFIX.length), "hex");
  const actual = createHash("sha256").update(password).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
