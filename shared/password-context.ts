/**
 * Words a password must not be built from: the product's name and the email's local part
 * (the "context words" of OWASP's Authentication Cheat Sheet and zxcvbn's user inputs).
 */
export const PRODUCT_WORDS = ["switchboard"] as const;

const MIN_WORD_LENGTH = 3;

function lettersOf(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}]/gu, "");
}

/** The context words of an account: the product's name, the email's local part and its pieces. */
export function contextWords(email: string): string[] {
  const local = email.split("@")[0] ?? "";
  const words = new Set<string>(PRODUCT_WORDS);
  for (const piece of [local, ...local.split(/[^\p{L}\p{N}]+/u)]) {
    const letters = lettersOf(piece);
    if (letters.length >= MIN_WORD_LENGTH) words.add(letters);
  }
  return [...words];
}

/**
 * True when the password's letters are nothing but context words: "Switchboard2026!",
 * "ada.lovelace99" for ada.lovelace@…, "lovelace-ada". Digits and symbols around the
 * words do not make such a password stronger, so they are ignored.
 */
export function isBuiltFromContext(password: string, email: string): boolean {
  let rest = lettersOf(password);
  if (rest.length === 0) return false;
  // The longest first, so that "adalovelace" goes whole before "ada" could split it.
  for (const word of contextWords(email).sort((a, b) => b.length - a.length)) rest = rest.split(word).join("");
  return rest.length === 0;
}
