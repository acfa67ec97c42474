import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** 256 random bits, URL-safe. */
export function createSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

export function createId(): string {
  return randomUUID();
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
