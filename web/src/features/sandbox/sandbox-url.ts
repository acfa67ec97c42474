import { phoneNumberSchema } from "../../../../shared/sandbox.schemas.js";

/** The open phones, in the order they were opened, from `?phones=79001234567,79007654321`. */
export function parsePhones(value: string | null): string[] {
  const numbers = (value ?? "").split(",").map((part) => part.trim());
  return [...new Set(numbers.filter((number) => phoneNumberSchema.safeParse(number).success))];
}

/**
 * The sandbox page's query, written by hand so that the list keeps its plain commas
 * (URLSearchParams would write them as %2C): `?phones=…,…&link=CODE`.
 */
export function sandboxSearch(phones: readonly string[], link: string | null): string {
  const parts: string[] = [];
  if (phones.length > 0) parts.push(`phones=${phones.join(",")}`);
  if (link) parts.push(`link=${encodeURIComponent(link)}`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}
