import countries from "i18n-iso-countries";
import en from "i18n-iso-countries/langs/en.json" with { type: "json" };
import es from "i18n-iso-countries/langs/es.json" with { type: "json" };
import he from "i18n-iso-countries/langs/he.json" with { type: "json" };
import ru from "i18n-iso-countries/langs/ru.json" with { type: "json" };
import type { Language } from "../../../shared/languages.js";

for (const locale of [en, ru, es, he]) countries.registerLocale(locale);

export interface Country {
  /** ISO 3166-1 alpha-2 code, e.g. "DE". */
  code: string;
  name: string;
}

const cache = new Map<Language, readonly Country[]>();

/** Every ISO 3166 country, named and sorted in `language`. */
export function countryList(language: Language): readonly Country[] {
  let list = cache.get(language);
  if (!list) {
    const collator = new Intl.Collator(language);
    list = Object.entries(countries.getNames(language, { select: "official" }))
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => collator.compare(a.name, b.name));
    cache.set(language, list);
  }
  return list;
}

export function countryName(code: string, language: Language): string {
  return countries.getName(code, language, { select: "official" }) ?? code;
}

/** Folds case and accents so that "cote" finds "Côte d'Ivoire" and "ОАЭ" is found as "оаэ". */
export function searchKey(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase().trim();
}
