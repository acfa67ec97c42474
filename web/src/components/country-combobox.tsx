import { useEffect, useMemo, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { FieldErrorCode } from "../../../shared/errors.js";
import { countryList, countryName, searchKey } from "../i18n/countries.js";
import type { Country } from "../i18n/countries.js";
import { currentLanguage } from "../i18n/index.js";
import { FieldError, fieldDescription } from "./field-error.js";

interface CountryComboboxProps {
  id: string;
  label: string;
  /** The chosen ISO 3166-1 alpha-2 code, or "" when none is chosen. */
  value: string;
  onValueChange: (code: string) => void;
  error?: FieldErrorCode | undefined;
}

/**
 * A searchable country picker following the WAI-ARIA combobox pattern (list autocomplete):
 * typing filters, arrow keys move through the options, Enter or a click chooses, Escape closes.
 */
export function CountryCombobox({ id, label, value, onValueChange, error }: CountryComboboxProps) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const listboxId = `${id}-listbox`;
  const optionId = (code: string) => `${id}-option-${code}`;
  const listboxRef = useRef<HTMLUListElement>(null);

  const countries = useMemo(() => countryList(language).map((country) => ({ ...country, key: searchKey(country.name) })), [language]);
  /** What the person typed since the last choice; null shows the chosen country's name. */
  const [query, setQuery] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [activeIndex, setActiveIndex] = useState(-1);

  const options = useMemo(() => {
    const key = searchKey(query ?? "");
    return key === "" ? countries : countries.filter((country) => country.key.includes(key));
  }, [countries, query]);

  const expanded = open && options.length > 0;
  const active = expanded && activeIndex < options.length ? activeIndex : -1;
  const activeOption = active >= 0 ? options[active] : undefined;
  const text = query ?? (value ? countryName(value, language) : "");

  useEffect(() => {
    if (active >= 0) listboxRef.current?.children[active]?.scrollIntoView({ block: "nearest" });
  }, [active]);

  function choose(country: Country) {
    onValueChange(country.code);
    setQuery(null);
    setOpen(false);
    setActiveIndex(-1);
  }

  function openList(direction: "first" | "last" | "none") {
    setOpen(true);
    if (direction === "none") return;
    const chosen = options.findIndex((country) => country.code === value);
    setActiveIndex(chosen >= 0 ? chosen : direction === "first" ? 0 : options.length - 1);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!expanded) openList(event.altKey ? "none" : "first");
        else setActiveIndex(active < options.length - 1 ? active + 1 : 0);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!expanded) openList("last");
        else setActiveIndex(active > 0 ? active - 1 : options.length - 1);
        break;
      case "Enter":
        // Without a highlighted option, Enter submits the form as usual.
        if (activeOption) {
          event.preventDefault();
          choose(activeOption);
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          setOpen(false);
        }
        break;
    }
  }

  function onBlur() {
    setOpen(false);
    if (query === null) return;
    // Someone who typed a whole name (or whose browser filled it in) has chosen that country.
    const key = searchKey(query);
    const exact = countries.find((country) => country.key === key);
    if (exact) choose(exact);
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="combobox">
        <input
          id={id}
          className="input combobox-input"
          type="text"
          role="combobox"
          autoComplete="off"
          spellCheck={false}
          placeholder={t("register.countryPlaceholder")}
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listboxId}
          aria-activedescendant={activeOption ? optionId(activeOption.code) : undefined}
          value={text}
          onChange={(event) => {
            const typed = event.target.value;
            setQuery(typed);
            setOpen(true);
            setActiveIndex(searchKey(typed) === "" ? -1 : 0);
            if (value) onValueChange("");
          }}
          onClick={() => (expanded ? setOpen(false) : openList("none"))}
          onKeyDown={onKeyDown}
          onBlur={onBlur}
          {...fieldDescription(id, { error })}
        />
        <span className="combobox-chevron" aria-hidden="true" />
        {/* Not labelled by the "Country" label, so that the input stays the only element with that label. */}
        <ul
          ref={listboxRef}
          id={listboxId}
          role="listbox"
          aria-label={t("register.countryOptions")}
          className="combobox-listbox"
          hidden={!expanded}
          // Keep the focus in the input while an option is clicked.
          onMouseDown={(event) => event.preventDefault()}
        >
          {expanded &&
            options.map((country, index) => (
              <li
                key={country.code}
                id={optionId(country.code)}
                role="option"
                aria-selected={index === active}
                className={country.code === value ? "combobox-option is-chosen" : "combobox-option"}
                onClick={() => choose(country)}
              >
                {country.name}
              </li>
            ))}
        </ul>
        <div className="combobox-empty" aria-live="polite">
          {open && options.length === 0 ? t("register.noCountries") : null}
        </div>
      </div>
      <FieldError fieldId={id} code={error} />
    </div>
  );
}
