import { hash, verify, type Algorithm, type Options } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";

/** OWASP's argon2id profile: 19 MiB, two passes, one lane. */
const ARGON2ID_OPTIONS: Options = {
  algorithm: 2 as Algorithm, // Algorithm.Argon2id; the enum is const and erased under isolatedModules
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed check, never a crash.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check when there is no hash to check against,
 * so that the answer's timing does not tell whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("switchboard-dummy-password-for-timing");
  await verifyPassword(await dummyHash, password);
  return false;
}

/** The common-password list of zxcvbn-ts (about 49,000 entries), compared without regard to case. */
const commonPasswords: ReadonlySet<string> = new Set(
  (dictionary["passwords-common"] as string[]).map((entry) => entry.toLowerCase()),
);

export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

export const COMMON_PASSWORD_COUNT = commonPasswords.size;
