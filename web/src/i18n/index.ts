import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, textDirection } from "../../../shared/languages.js";
import type { ErrorCode, FieldErrorCode } from "../../../shared/errors.js";
import type { Language } from "../../../shared/languages.js";
import en from "./locales/en/translation.json" with { type: "json" };
import es from "./locales/es/translation.json" with { type: "json" };
import he from "./locales/he/translation.json" with { type: "json" };
import ru from "./locales/ru/translation.json" with { type: "json" };

/** English is the reference: every catalogue must have all of its keys (checked by the compiler). */
type Catalogue = typeof en;
const catalogues: Record<Language, Catalogue> = { en, ru, es, he };

// Not declared as i18next's CustomTypeOptions: that is global and would also retype the server's i18next.
// Instead the compiler checks here that every API code has an English message.
const _everyCode: {
  errors: Record<ErrorCode | "network", string>;
  fieldErrors: Record<FieldErrorCode, string>;
} = en;
void _everyCode;

const STORAGE_KEY = "switchboard.language";

/** The language the person explicitly chose in this browser, if any. */
export function chosenLanguage(): Language | undefined {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : undefined;
  } catch {
    return undefined;
  }
}

function browserLanguage(): Language | undefined {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split("-")[0];
    // "iw" is the deprecated code some browsers still report for Hebrew.
    const language = primary === "iw" ? "he" : primary;
    if (isLanguage(language)) return language;
  }
  return undefined;
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : DEFAULT_LANGUAGE;
}

/** Shows the interface in `language`; `remember` marks it as the person's explicit choice. */
export async function setLanguage(language: Language, { remember }: { remember: boolean }): Promise<void> {
  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // Storage may be unavailable (private mode, quota); the choice then lasts until reload.
    }
  }
  if (i18n.language !== language) await i18n.changeLanguage(language);
}

function applyToDocument(language: string): void {
  const lang = isLanguage(language) ? language : DEFAULT_LANGUAGE;
  document.documentElement.lang = lang;
  document.documentElement.dir = textDirection(lang);
}

i18n.on("languageChanged", applyToDocument);

void i18n.use(initReactI18next).init({
  resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: catalogues[language] }])),
  lng: chosenLanguage() ?? browserLanguage() ?? DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  // The catalogues are bundled, so initialise synchronously and render translated text from the first paint.
  initAsync: false,
  interpolation: { escapeValue: false },
});

export { i18n };
