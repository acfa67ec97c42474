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

/**
 * True when a stored hash was made with other parameters than today's (an older, weaker
 * profile, or another algorithm): it is replaced at the next successful login.
 */
export function needsRehash(passwordHash: string): boolean {
  const parameters = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!parameters) return true;
  const [, memory, time, lanes] = parameters.map(Number);
  return memory !== ARGON2ID_OPTIONS.memoryCost || time !== ARGON2ID_OPTIONS.timeCost || lanes !== ARGON2ID_OPTIONS.parallelism;
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
const commonPasswords: ReadonlySet<string> = new Set((dictionary["passwords-common"] as string[]).map((entry) => entry.toLowerCase()));

export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

export const COMMON_PASSWORD_COUNT = commonPasswords.size;
