import i18next, { type TFunction } from "i18next";
import { LANGUAGES, isLanguage, textDirection, DEFAULT_LANGUAGE, type Language } from "../../shared/languages.js";
import { TEMPORARY_PASSWORD_MINUTES } from "../../shared/limits.js";
import en from "./locales/en.json" with { type: "json" };
import es from "./locales/es.json" with { type: "json" };
import he from "./locales/he.json" with { type: "json" };
import ru from "./locales/ru.json" with { type: "json" };
import type { OutgoingMail } from "./mailer.js";

const catalogues: Record<Language, typeof en> = { en, ru, es, he };

const mailI18n = i18next.createInstance();
await mailI18n.init({
  resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: catalogues[language] }])),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  // Values are escaped per output (text or HTML) below, not by i18next.
  interpolation: { escapeValue: false },
  initAsync: false,
});

function translatorFor(language: string): { t: TFunction; language: Language } {
  const chosen = isLanguage(language) ? language : DEFAULT_LANGUAGE;
  return { t: mailI18n.getFixedT(chosen), language: chosen };
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Lays out paragraphs once, as plain text and as HTML in the language's direction. */
function compose(
  language: Language,
  t: TFunction,
  to: string,
  subject: string,
  blocks: Array<{ text: string } | { code: string }>,
): OutgoingMail {
  const all = [{ text: t("common.greeting") }, ...blocks, { text: t("common.signature") }, { text: t("common.automatic") }];
  const text = all.map((block) => ("code" in block ? `    ${block.code}` : block.text)).join("\n\n") + "\n";
  const body = all
    .map((block) =>
      "code" in block
        ? `<p><code style="font-size:20px;letter-spacing:2px;padding:6px 10px;background:#f1f3f5;border-radius:4px;user-select:all">${escapeHtml(block.code)}</code></p>`
        : `<p>${escapeHtml(block.text)}</p>`,
    )
    .join("\n");
  const html = `<!doctype html>
<html lang="${language}" dir="${textDirection(language)}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;line-height:1.5;color:#1d2329">
${body}
</body>
</html>
`;
  return { to, subject, text, html };
}

export interface TemporaryPasswordMailProps {
  to: string;
  language: string;
  temporaryPassword: string;
  loginUrl: string;
}

export function temporaryPasswordMail(props: TemporaryPasswordMailProps): OutgoingMail {
  const { t, language } = translatorFor(props.language);
  return compose(language, t, props.to, t("temporaryPassword.subject"), [
    { text: t("temporaryPassword.intro", { email: props.to }) },
    { text: t("temporaryPassword.label") },
    { code: props.temporaryPassword },
    { text: t("temporaryPassword.howTo", { loginUrl: props.loginUrl }) },
    { text: t("temporaryPassword.validity", { minutes: TEMPORARY_PASSWORD_MINUTES }) },
    { text: t("temporaryPassword.notYou") },
  ]);
}

export interface PasswordChangedMailProps {
  to: string;
  language: string;
  changedAt: number;
  loginUrl: string;
}

export function passwordChangedMail(props: PasswordChangedMailProps): OutgoingMail {
  const { t, language } = translatorFor(props.language);
  const when = new Date(props.changedAt).toISOString().replace("T", " ").slice(0, 16);
  return compose(language, t, props.to, t("passwordChanged.subject"), [
    { text: t("passwordChanged.intro", { email: props.to, when }) },
    { text: t("passwordChanged.notYou", { loginUrl: props.loginUrl }) },
  ]);
}
