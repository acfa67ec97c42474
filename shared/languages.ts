/** Interface languages of the console and of every mail. */
export const LANGUAGES = ["en", "ru", "es", "he"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "en";

/** Each language's own name, shown in the language selector. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: "English",
  ru: "Русский",
  es: "Español",
  he: "עברית",
};

const RIGHT_TO_LEFT: ReadonlySet<Language> = new Set<Language>(["he"]);

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

export function textDirection(language: Language): "ltr" | "rtl" {
  return RIGHT_TO_LEFT.has(language) ? "rtl" : "ltr";
}
