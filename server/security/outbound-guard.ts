import dns from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import net from "node:net";
import type { LookupFunction } from "node:net";
import { Agent, buildConnector } from "undici";

/**
 * Keeps the server's own HTTP requests (webhook deliveries, files fetched by URL) away from
 * loopback, private and other special-purpose addresses, so that a URL a user saved cannot
 * reach the server's neighbours or a cloud metadata service. Addresses are judged when the
 * socket connects, after DNS, so a name that changes its answer after the URL was saved
 * (DNS rebinding) gains nothing.
 */

type IpFamily = "ipv4" | "ipv6";

interface SpecialPurposeRange {
  /** Completes "<address> is …". */
  label: string;
  networks: readonly string[];
}

/**
 * From the IANA special-purpose address registries. Earlier entries win, so narrower ranges
 * come before the wider ones that contain them.
 */
const SPECIAL_PURPOSE_RANGES: readonly SpecialPurposeRange[] = [
  { label: "an unspecified address", networks: ["0.0.0.0/8", "::/128"] },
  { label: "a loopback address", networks: ["127.0.0.0/8", "::1/128"] },
  { label: "a private address", networks: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] },
  { label: "a carrier-grade NAT address", networks: ["100.64.0.0/10"] },
  { label: "a link-local address (where cloud metadata services answer)", networks: ["169.254.0.0/16", "fe80::/10"] },
  { label: "a unique-local address", networks: ["fc00::/7"] },
  { label: "a site-local address", networks: ["fec0::/10"] },
  { label: "a multicast address", networks: ["224.0.0.0/4", "ff00::/8"] },
  { label: "the broadcast address", networks: ["255.255.255.255/32"] },
  { label: "a reserved address", networks: ["240.0.0.0/4", "192.88.99.0/24"] },
  { label: "a benchmarking address", networks: ["198.18.0.0/15", "2001:2::/48"] },
  { label: "an IETF protocol assignment", networks: ["192.0.0.0/24", "2001::/23"] },
  {
    label: "a documentation address",
    networks: ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"],
  },
  { label: "a discard-only address", networks: ["100::/64"] },
  { label: "a local-use NAT64 address", networks: ["64:ff9b:1::/48"] },
];

/** Everything routable on the IPv6 internet lies in 2000::/3; the rest is special or unassigned. */
const IPV6_GLOBAL_UNICAST = familyLists(["2000::/3"]).ipv6;

/**
 * One list per family: a single BlockList also matches IPv4 addresses against IPv6 rules
 * (as ::ffff:a.b.c.d), which would let "::/0" allow every IPv4 address.
 */
interface FamilyRanges {
  ipv4: net.BlockList;
  ipv6: net.BlockList;
}

const SPECIAL_PURPOSE_LISTS = SPECIAL_PURPOSE_RANGES.map(({ label, networks }) => ({ label, ranges: familyLists(networks) }));

export const OUTBOUND_ADDRESS_REFUSED = "ERR_OUTBOUND_ADDRESS_REFUSED";

/** Thrown (or passed to a connect callback) when an outbound connection would reach a refused address. */
export class OutboundAddressRefusedError extends Error {
  readonly code = OUTBOUND_ADDRESS_REFUSED;

  constructor(
    readonly hostname: string,
    readonly reason: string,
  ) {
    super(`Refused to connect to ${hostname}: ${reason}`);
    this.name = "OutboundAddressRefusedError";
  }
}

/** The refusal behind a failed request, found on the error itself or along its `cause` chain. */
export function findOutboundRefusal(error: unknown): OutboundAddressRefusedError | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof OutboundAddressRefusedError) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}

/**
 * What went wrong with an outbound request, in one line for a person (the attempts list, an
 * API error): the refused address, the timeout, or the error and its causes with their codes.
 * Never the request's headers or body.
 */
export function describeOutboundFailure(error: unknown, timeoutMs: number): string {
  const refusal = findOutboundRefusal(error);
  if (refusal) return refusal.message;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  const parts: string[] = [];
  for (let current = error; current instanceof Error && parts.length < 3; current = current.cause) {
    const code = (current as Error & { code?: unknown }).code;
    parts.push(typeof code === "string" && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
  }
  return (parts.join(": ") || String(error)).slice(0, 500);
}

export interface OutboundPolicyOptions {
  /** Every address is allowed: for local setups and tests that call servers on this machine. */
  allowEverything?: boolean;
  /** IPv4/IPv6 CIDR ranges or single addresses allowed even though they are special-purpose. */
  allowedNetworks?: readonly string[];
}

/** Which IP addresses the server may connect to on its own behalf. */
export class OutboundPolicy {
  readonly allowsEverything: boolean;
  private readonly allowed: FamilyRanges;

  /** @throws Error naming the first entry of `allowedNetworks` that is not an address or CIDR range. */
  constructor(options: OutboundPolicyOptions = {}) {
    this.allowsEverything = options.allowEverything ?? false;
    this.allowed = familyLists(options.allowedNetworks ?? []);
  }

  isAllowed(address: string): boolean {
    return this.refusalReason(address) === undefined;
  }

  /** Why `address` (an IP literal) is refused, e.g. "127.0.0.1 is a loopback address"; undefined when allowed. */
  refusalReason(address: string): string | undefined {
    const family = ipFamily(address);
    if (family === undefined) return `${address} is not an IP address`;
    if (this.allowsEverything) return undefined;

    const bare = withoutZone(address);
    if (this.allowed[family].check(bare, family)) return undefined;

    const embedded = family === "ipv6" ? embeddedIpv4(bare) : undefined;
    if (embedded !== undefined) {
      if (this.allowed.ipv4.check(embedded, "ipv4")) return undefined;
      const label = specialPurposeLabel(embedded, "ipv4");
      return label === undefined ? undefined : `${address} embeds ${embedded}, ${label}`;
    }

    const label = specialPurposeLabel(bare, family);
    return label === undefined ? undefined : `${address} is ${label}`;
  }
}

/**
 * Reads the operator's setting: unset, "" or "false" allows no special-purpose address, "true"
 * allows everything, anything else is a comma-separated list of CIDR ranges or addresses.
 * @throws Error naming the entry that is neither an address nor a CIDR range.
 */
export function parseOutboundAllowList(value: string | undefined): OutboundPolicy {
  const setting = (value ?? "").trim();
  if (setting === "" || setting.toLowerCase() === "false") return new OutboundPolicy();
  if (setting.toLowerCase() === "true") return new OutboundPolicy({ allowEverything: true });
  const entries = setting
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return new OutboundPolicy({ allowedNetworks: entries });
}

export type UrlCheck = { ok: true } | { ok: false; reason: string };

/** The promise form of dns.lookup with `all: true`. */
export type AddressResolver = (hostname: string, options: { all: true }) => Promise<LookupAddress[]>;

/** Answers that mean "this name has no addresses (yet)", not that something is broken. */
const UNRESOLVED_NAME_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "ENODATA"]);

/**
 * For saving a URL: http or https only, and no address the name points to now may be refused.
 * A name that does not resolve yet is accepted: the check at connect time still applies.
 * @throws only what the resolver throws for reasons other than an unresolvable name.
 */
export async function checkUrl(url: string, policy: OutboundPolicy, resolve: AddressResolver = dns.promises.lookup): Promise<UrlCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "it is not a valid URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, reason: `${parsed.protocol.replace(/:$/, "")} URLs are not allowed, only http and https` };
  }

  const hostname = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (net.isIP(hostname) !== 0) {
    const reason = policy.refusalReason(hostname);
    return reason === undefined ? { ok: true } : { ok: false, reason };
  }
  if (policy.allowsEverything) return { ok: true };

  let addresses: LookupAddress[];
  try {
    addresses = await resolve(hostname, { all: true });
  } catch (error) {
    if (UNRESOLVED_NAME_CODES.has((error as NodeJS.ErrnoException).code ?? "")) return { ok: true };
    throw error;
  }
  for (const { address } of addresses) {
    const reason = policy.refusalReason(address);
    if (reason !== undefined) return { ok: false, reason: `${hostname} resolves to a refused address: ${reason}` };
  }
  return { ok: true };
}

/**
 * Wraps a dns.lookup-compatible function so that a name resolving to any refused address fails
 * with an OutboundAddressRefusedError. Answers in the form asked for: one address (`all: false`)
 * or the list that connecting with autoSelectFamily asks for (`all: true`). Either way every
 * address of the name is judged, so the outcome does not depend on which one comes first.
 */
export function createGuardedLookup(policy: OutboundPolicy, lookup: LookupFunction = dns.lookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    lookup(hostname, { ...options, all: true }, (error, answer) => {
      if (error) {
        callback(error, options.all ? [] : "");
        return;
      }
      const addresses: LookupAddress[] = Array.isArray(answer) ? answer : [{ address: answer, family: net.isIP(answer) }];
      for (const { address } of addresses) {
        const reason = policy.refusalReason(address);
        if (reason !== undefined) {
          callback(new OutboundAddressRefusedError(hostname, reason), options.all ? [] : "");
          return;
        }
      }
      if (options.all) {
        callback(null, addresses);
        return;
      }
      const [first] = addresses;
      if (first === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }), "");
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedDispatcherOptions {
  /** Resolves names at connect time; dns.lookup unless a test answers for it. */
  lookup?: LookupFunction;
  connectTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Most sockets open to one origin at a time. */
  connections?: number;
}

/**
 * An undici dispatcher whose every new connection is checked against `policy`: IP literals
 * before connecting (a literal never goes through lookup), names at the moment they resolve.
 * A refused request rejects with an OutboundAddressRefusedError (see findOutboundRefusal).
 */
export function createGuardedDispatcher(policy: OutboundPolicy, options: GuardedDispatcherOptions = {}): Agent {
  const connectThroughGuardedLookup = buildConnector({
    ...(options.connectTimeoutMs !== undefined && { timeout: options.connectTimeoutMs }),
    lookup: createGuardedLookup(policy, options.lookup),
  });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const literal = withoutZone(connectOptions.hostname);
    if (net.isIP(literal) !== 0) {
      const reason = policy.refusalReason(literal);
      if (reason !== undefined) {
        // Fail asynchronously, as a refused socket would, so undici is not re-entered mid-connect.
        const refusal = new OutboundAddressRefusedError(connectOptions.hostname, reason);
        process.nextTick(() => callback(refusal, null));
        return;
      }
    }
    connectThroughGuardedLookup(connectOptions, callback);
  };
  return new Agent({
    connect,
    ...(options.keepAliveTimeoutMs !== undefined && { keepAliveTimeout: options.keepAliveTimeoutMs }),
    ...(options.connections !== undefined && { connections: options.connections }),
  });
}

function ipFamily(address: string): IpFamily | undefined {
  switch (net.isIP(address)) {
    case 4:
      return "ipv4";
    case 6:
      return "ipv6";
    default:
      return undefined;
  }
}

/** fe80::1%eth0 → fe80::1: the zone names an interface, not part of the address. */
function withoutZone(address: string): string {
  const zoneStart = address.indexOf("%");
  return zoneStart === -1 ? address : address.slice(0, zoneStart);
}

function specialPurposeLabel(address: string, family: IpFamily): string | undefined {
  const label = SPECIAL_PURPOSE_LISTS.find(({ ranges }) => ranges[family].check(address, family))?.label;
  if (label === undefined && family === "ipv6" && !IPV6_GLOBAL_UNICAST.check(address, "ipv6")) return "not a global unicast address";
  return label;
}

/** @throws Error naming the entry that is neither an address nor a CIDR range. */
function familyLists(networks: readonly string[]): FamilyRanges {
  const lists: FamilyRanges = { ipv4: new net.BlockList(), ipv6: new net.BlockList() };
  for (const network of networks) {
    const [address = "", prefixText, ...rest] = network.split("/");
    const family = address.includes("%") ? undefined : ipFamily(address);
    const maxPrefix = family === "ipv4" ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (family === undefined || rest.length > 0 || !(prefix <= maxPrefix)) {
      throw new Error(`Allow-list entry "${network}" is not an IPv4 or IPv6 address or CIDR range (such as 10.0.0.0/8 or fd00::/8)`);
    }
    lists[family].addSubnet(address, prefix, family);
  }
  return lists;
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4
 * (2002:AABB:CCDD::) address: connecting to one of these reaches that IPv4 address.
 */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const isZero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (isZero(0, 5) && groups[5] === 0xffff) return ipv4FromGroups(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && isZero(2, 6)) return ipv4FromGroups(groups[6], groups[7]);
  if (groups[0] === 0x2002) return ipv4FromGroups(groups[1], groups[2]);
  return undefined;
}

function ipv4FromGroups(high = 0, low = 0): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/** The eight 16-bit groups of a valid IPv6 address without zone. */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? `${address.slice(0, dotted.index)}${(Number(dotted[1]) * 256 + Number(dotted[2])).toString(16)}:${(Number(dotted[3]) * 256 + Number(dotted[4])).toString(16)}`
    : address;
  const [head = "", tail] = hex.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0");
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16));
}
