import { isIPv4, isIPv6 } from "node:net";
import { sha256Hex } from "../../security/tokens.js";

/**
 * A bucket's name: its kind, then a SHA-256 of each variable part, so that any email or
 * address fits the column and no personal data sits in the table.
 */
export function bucketName(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map((part) => sha256Hex(part))].join(":");
}

/**
 * The part of a client address that per-address limits count: an IPv4 address itself, an
 * IPv6 address's /64 (one subscriber usually holds a whole /64, so its addresses cost nothing
 * to rotate), and an IPv4-mapped IPv6 address as the IPv4 address it carries.
 */
export function addressKey(ip: string): string {
  const address = ip.trim().toLowerCase().split("%")[0]!;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, "::" and a trailing dotted IPv4 expanded. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const [head = "", rest] = text.split("::");
  if (rest === undefined) return parse(head);
  const [left, right] = [parse(head), parse(rest)];
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
