import { currentLanguage } from "../i18n/index.js";

/**
 * A moment in the interface language: "12 Mar 2026, 14:05", or just "14:05" with `timeOnly`.
 * Takes an ISO text, UNIX milliseconds or a Date.
 */
export function formatDateTime(value: string | number | Date, { timeOnly = false } = {}): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options: Intl.DateTimeFormatOptions = timeOnly ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(currentLanguage(), options).format(date);
}
