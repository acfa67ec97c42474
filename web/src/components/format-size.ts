import { currentLanguage } from "../i18n/index.js";

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

/**
 * A size in bytes as people read it, in the interface language: "512 byte", "1.5 kB", "12.3 MB".
 * Decimal steps of 1000, as the unit names kB and MB mean.
 */
export function formatByteSize(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  // 999.95 and above would round up to "1000 kB": the next unit reads better.
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(currentLanguage(), {
    style: "unit",
    unit: UNITS[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}
