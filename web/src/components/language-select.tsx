import { useId } from "react";
import { useTranslation } from "react-i18next";
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from "../../../shared/languages.js";
import type { Language } from "../../../shared/languages.js";
import { currentLanguage, setLanguage } from "../i18n/index.js";

interface LanguageSelectProps {
  /** Called after the interface has switched, e.g. to save the choice on the account. */
  onChanged?: (language: Language) => void;
}

/** The interface-language selector; every option is in its own language. */
export function LanguageSelect({ onChanged }: LanguageSelectProps) {
  // useTranslation also re-renders this select whenever the language changes.
  const { t } = useTranslation();
  const id = useId();

  return (
    <div className="field language-field">
      <label htmlFor={id}>{t("common.language")}</label>
      <select
        id={id}
        className="input select"
        value={currentLanguage()}
        onChange={(event) => {
          const language = event.target.value;
          if (!isLanguage(language)) return;
          void setLanguage(language, { remember: true }).then(() => onChanged?.(language));
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
