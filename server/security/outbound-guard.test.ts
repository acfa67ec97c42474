import type { LookupAddress } from "node:dns";
import http from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { request } from "undici";
import type { Agent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import {
  OUTBOUND_ADDRESS_REFUSED,
  OutboundAddressRefusedError,
  OutboundPolicy,
  checkUrl,
  createGuardedDispatcher,
  createGuardedLookup,
  findOutboundRefusal,
  parseOutboundAllowList,
} from "./outbound-guard.js";
import type { AddressResolver } from "./outbound-guard.js";

interface TestServer {
  /** Origin with a trailing slash, e.g. http://127.0.0.1:40123/ */
  url: string;
  port: number;
  connections(): number;
  close(): Promise<void>;
}

const openServers: TestServer[] = [];
const openDispatchers: Agent[] = [];

afterEach(async () => {
  await Promise.all(openDispatchers.splice(0).map((dispatcher) => dispatcher.destroy()));
  await Promise.all(openServers.splice(0).map((server) => server.close()));
});

async function startServer(host: "127.0.0.1" | "::1"): Promise<TestServer> {
  let connections = 0;
  const server = http.createServer((_request, response) => response.end("reached"));
  server.on("connection", () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  openServers.push(testServer);
  return testServer;
}

/** A server on ::1, or undefined where this machine has no IPv6 loopback. */
async function startIpv6LoopbackServer(): Promise<TestServer | undefined> {
  try {
    return await startServer("::1");
  } catch {
    return undefined;
  }
}

function dispatcherFor(policy: OutboundPolicy, lookup?: LookupFunction): Agent {
  const dispatcher = createGuardedDispatcher(policy, { lookup, connectTimeoutMs: 5_000, keepAliveTimeoutMs: 1_000, connections: 2 });
  openDispatchers.push(dispatcher);
  return dispatcher;
}

async function statusOf(url: string, dispatcher: Agent): Promise<number> {
  const response = await request(url, { dispatcher });
  await response.body.text();
  return response.statusCode;
}

async function refusalOf(url: string, dispatcher: Agent): Promise<OutboundAddressRefusedError> {
  const error: unknown = await request(url, { dispatcher }).then(
    () => new Error(`${url} was reached`),
    (failure: unknown) => failure,
  );
  const refusal = findOutboundRefusal(error);
  if (refusal === undefined) throw new Error(`${url} failed for another reason than a refusal`, { cause: error });
  return refusal;
}

function familyOf(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

/** Answers like dns.lookup, from a fixed table: the way to make a name point anywhere without a DNS server. */
function lookupAnswering(answers: Record<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const addresses: LookupAddress[] = (answers[hostname] ?? []).map((address) => ({ address, family: familyOf(address) }));
    const first = addresses[0];
    if (first === undefined) {
      const notFound: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      process.nextTick(() => callback(notFound, ""));
    } else if (options.all) {
      process.nextTick(() => callback(null, addresses));
    } else {
      process.nextTick(() => callback(null, first.address, first.family));
    }
  };
}

function resolverAnswering(answers: Record<string, string[]>): AddressResolver {
  return async (hostname) => {
    const addresses = answers[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: familyOf(address) }));
  };
}

describe("outbound address policy", () => {
  const policy = new OutboundPolicy();

  it.each([
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "10.0.0.1 is a private address"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "169.254.169.254 is a link-local address"],
    ["100.64.0.1", "100.64.0.1 is a carrier-grade NAT address"],
    ["100.127.255.254", "carrier-grade NAT"],
    ["0.0.0.0", "0.0.0.0 is an unspecified address"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "255.255.255.255 is the broadcast address"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["192.0.0.8", "IETF protocol assignment"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.1", "documentation"],
    ["203.0.113.1", "documentation"],
    ["::", ":: is an unspecified address"],
    ["::1", "::1 is a loopback address"],
    ["::ffff:127.0.0.1", "::ffff:127.0.0.1 embeds 127.0.0.1, a loopback address"],
    ["::ffff:10.0.0.1", "::ffff:10.0.0.1 embeds 10.0.0.1, a private address"],
    ["::ffff:a9fe:a9fe", "embeds 169.254.169.254, a link-local address"],
    ["::FFFF:7F00:1", "embeds 127.0.0.1, a loopback address"],
    ["64:ff9b::7f00:1", "64:ff9b::7f00:1 embeds 127.0.0.1, a loopback address"],
    ["64:ff9b::169.254.169.254", "embeds 169.254.169.254, a link-local address"],
    ["2002:c0a8:101::1", "embeds 192.168.1.1, a private address"],
    ["::127.0.0.1", "not a global unicast address"],
    ["64:ff9b:1::a00:1", "local-use NAT64"],
    ["fd00::1", "fd00::1 is a unique-local address"],
    ["fc00::1", "unique-local"],
    ["fe80::1", "fe80::1 is a link-local address"],
    ["fe80::1%eth0", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "ff02::1 is a multicast address"],
    ["2001:db8::1", "documentation"],
    ["2001:2::1", "benchmarking"],
    ["2001::1", "IETF protocol assignment"],
    ["100::1", "discard-only"],
    ["4000::1", "not a global unicast address"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(policy.isAllowed(address)).toBe(false);
    expect(policy.refusalReason(address)).toContain(reason);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.169.0.1",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("allows the public address %s", (address) => {
    expect(policy.isAllowed(address)).toBe(true);
    expect(policy.refusalReason(address)).toBeUndefined();
  });

  it.each(["localhost", "example.com", "", "127.1", "2130706433", "1.2.3.04"])("refuses %j, which is not an IP literal", (text) => {
    expect(policy.refusalReason(text)).toBe(`${text} is not an IP address`);
  });

  it("allows the operator's listed networks and addresses, and only those", () => {
    const allowing = parseOutboundAllowList("127.0.0.1/32, 10.0.0.0/8,::1,fd00:1234::/32");
    expect(allowing.isAllowed("127.0.0.1")).toBe(true);
    expect(allowing.isAllowed("127.0.0.2")).toBe(false);
    expect(allowing.isAllowed("10.200.0.1")).toBe(true);
    expect(allowing.isAllowed("192.168.0.1")).toBe(false);
    expect(allowing.isAllowed("::1")).toBe(true);
    expect(allowing.isAllowed("fd00:1234::5")).toBe(true);
    expect(allowing.isAllowed("fd00:1235::5")).toBe(false);
    expect(allowing.isAllowed("169.254.169.254")).toBe(false);
    expect(allowing.isAllowed("8.8.8.8")).toBe(true);
  });

  it("judges IPv4-mapped and NAT64 addresses by the allowed IPv4 networks too", () => {
    const allowing = parseOutboundAllowList("10.0.0.0/8");
    expect(allowing.isAllowed("::ffff:10.1.2.3")).toBe(true);
    expect(allowing.isAllowed("64:ff9b::a01:203")).toBe(true);
    expect(allowing.isAllowed("::ffff:127.0.0.1")).toBe(false);
  });

  it("keeps an IPv6 range from allowing IPv4 addresses", () => {
    const allowing = parseOutboundAllowList("::/0");
    expect(allowing.isAllowed("fd00::1")).toBe(true);
    expect(allowing.isAllowed("127.0.0.1")).toBe(false);
  });
});

describe("reading the allow-list setting", () => {
  it.each([undefined, "", "false", " FALSE ", "  "])("allows no special-purpose address for %j", (value) => {
    const policy = parseOutboundAllowList(value);
    expect(policy.allowsEverything).toBe(false);
    expect(policy.isAllowed("127.0.0.1")).toBe(false);
    expect(policy.isAllowed("8.8.8.8")).toBe(true);
  });

  it("allows every address for true", () => {
    const policy = parseOutboundAllowList("true");
    expect(policy.allowsEverything).toBe(true);
    expect(policy.isAllowed("127.0.0.1")).toBe(true);
    expect(policy.isAllowed("169.254.169.254")).toBe(true);
    expect(policy.isAllowed("::1")).toBe(true);
  });

  it("ignores empty entries between commas", () => {
    expect(parseOutboundAllowList("127.0.0.1,,10.0.0.0/8,").isAllowed("10.0.0.1")).toBe(true);
  });

  it.each([
    ["10.0.0.0/33", "10.0.0.0/33"],
    ["::1/129", "::1/129"],
    ["1.2.3.4/", "1.2.3.4/"],
    ["10.0.0.0/8/8", "10.0.0.0/8/8"],
    ["10.0.0.0/-1", "10.0.0.0/-1"],
    ["10.0.0.0/x", "10.0.0.0/x"],
    ["localhost", "localhost"],
    ["10.0.0.0/8,not-an-address", "not-an-address"],
    ["127.0.0.1, 300.1.1.1", "300.1.1.1"],
    ["fe80::1%eth0", "fe80::1%eth0"],
    ["yes", "yes"],
  ])("refuses %j, naming the bad entry", (value, badEntry) => {
    expect(() => parseOutboundAllowList(value)).toThrow(`"${badEntry}"`);
  });
});

describe("checking a URL before it is saved", () => {
  const policy = new OutboundPolicy();
  const publicResolver = resolverAnswering({ "hooks.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] });

  it("accepts an http or https URL whose name resolves to public addresses only", async () => {
    await expect(checkUrl("https://hooks.example/receive", policy, publicResolver)).resolves.toEqual({ ok: true });
    await expect(checkUrl("http://hooks.example:8080/receive", policy, publicResolver)).resolves.toEqual({ ok: true });
  });

  it.each(["ftp://hooks.example/file", "file:///etc/passwd", "ws://hooks.example/", "javascript:alert(1)"])(
    "refuses %s, which is not http or https",
    async (url) => {
      const result = await checkUrl(url, policy, publicResolver);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain("only http and https");
    },
  );

  it("refuses text that is not a URL", async () => {
    await expect(checkUrl("hooks.example/receive", policy, publicResolver)).resolves.toEqual({
      ok: false,
      reason: "it is not a valid URL",
    });
  });

  it.each([
    ["http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
    ["http://[::1]:8080/", "::1 is a loopback address"],
    ["http://[::ffff:169.254.169.254]/", "embeds 169.254.169.254"],
    ["http://2130706433/", "127.0.0.1 is a loopback address"],
    ["http://0x7f.1/", "127.0.0.1 is a loopback address"],
    ["https://[fd00::1]/", "fd00::1 is a unique-local address"],
  ])("refuses %s, an IP literal of a special-purpose address", async (url, reason) => {
    const result = await checkUrl(url, policy, publicResolver);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it("refuses a name of which any one address is refused, naming that address", async () => {
    const resolver = resolverAnswering({ "mixed.example": ["93.184.216.34", "10.0.0.5"] });
    await expect(checkUrl("https://mixed.example/", policy, resolver)).resolves.toEqual({
      ok: false,
      reason: "mixed.example resolves to a refused address: 10.0.0.5 is a private address",
    });
  });

  it("refuses localhost through the system resolver", async () => {
    const result = await checkUrl("http://localhost:8080/", policy);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^localhost resolves to a refused address: .* is a loopback address$/);
  });

  it("accepts a name that does not resolve yet, since the connection is checked again", async () => {
    await expect(checkUrl("https://not-yet.example/", policy, resolverAnswering({}))).resolves.toEqual({ ok: true });
    const unavailable: AddressResolver = () => Promise.reject(Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" }));
    await expect(checkUrl("https://not-yet.example/", policy, unavailable)).resolves.toEqual({ ok: true });
  });

  it("passes on a resolver failure that says nothing about the name", async () => {
    const broken: AddressResolver = () => Promise.reject(new TypeError("resolver misconfigured"));
    await expect(checkUrl("https://hooks.example/", policy, broken)).rejects.toThrow("resolver misconfigured");
  });

  it("accepts private addresses the operator allowed", async () => {
    const allowing = parseOutboundAllowList("10.0.0.0/8");
    const resolver = resolverAnswering({ "intranet.example": ["10.0.0.5"] });
    await expect(checkUrl("http://intranet.example/", allowing, resolver)).resolves.toEqual({ ok: true });
    await expect(checkUrl("http://10.1.1.1/", allowing, resolver)).resolves.toEqual({ ok: true });
  });
});

describe("the guarded lookup", () => {
  const policy = new OutboundPolicy();
  const guarded = createGuardedLookup(
    policy,
    lookupAnswering({ "public.example": ["93.184.216.34", "2606:4700::1111"], "mixed.example": ["93.184.216.34", "127.0.0.1"] }),
  );

  function lookUp(hostname: string, all: boolean): Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
    return new Promise((resolve) => guarded(hostname, { all }, (error, address, family) => resolve({ error, address, family })));
  }

  it("passes allowed answers on in the all-addresses form", async () => {
    const { error, address } = await lookUp("public.example", true);
    expect(error).toBeNull();
    expect(address).toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
  });

  it("passes an allowed answer on in the one-address form", async () => {
    await expect(lookUp("public.example", false)).resolves.toEqual({ error: null, address: "93.184.216.34", family: 4 });
  });

  it.each([true, false])("fails when any address is refused (all: %s)", async (all) => {
    // In the one-address form the resolver's first answer is public: the loopback behind it is refused all the same.
    const { error } = await lookUp("mixed.example", all);
    expect(error).toBeInstanceOf(OutboundAddressRefusedError);
    expect(error).toMatchObject({
      code: OUTBOUND_ADDRESS_REFUSED,
      hostname: "mixed.example",
      reason: "127.0.0.1 is a loopback address",
      message: "Refused to connect to mixed.example: 127.0.0.1 is a loopback address",
    });
  });

  it("passes the resolver's own errors on", async () => {
    const { error } = await lookUp("missing.example", true);
    expect(error?.code).toBe("ENOTFOUND");
  });
});

describe("outbound requests through the guarded dispatcher", () => {
  it("refuses a loopback IP literal before any connection is made", async () => {
    const server = await startServer("127.0.0.1");
    const refusal = await refusalOf(server.url, dispatcherFor(new OutboundPolicy()));
    expect(refusal.code).toBe(OUTBOUND_ADDRESS_REFUSED);
    expect(refusal.reason).toBe("127.0.0.1 is a loopback address");
    expect(server.connections()).toBe(0);
  });

  it("refuses https to a loopback IP literal the same way", async () => {
    const server = await startServer("127.0.0.1");
    const refusal = await refusalOf(`https://127.0.0.1:${server.port}/`, dispatcherFor(new OutboundPolicy()));
    expect(refusal.reason).toBe("127.0.0.1 is a loopback address");
    expect(server.connections()).toBe(0);
  });

  it("refuses localhost, which the system resolver answers with loopback", async () => {
    const server = await startServer("127.0.0.1");
    const refusal = await refusalOf(`http://localhost:${server.port}/`, dispatcherFor(new OutboundPolicy()));
    expect(refusal.hostname).toBe("localhost");
    expect(refusal.reason).toMatch(/is a loopback address$/);
    expect(server.connections()).toBe(0);
  });

  it("refuses the IPv6 loopback", async () => {
    const server = await startIpv6LoopbackServer();
    if (server === undefined) {
      // No IPv6 loopback on this machine: the literal is still refused before any connection.
      expect(new OutboundPolicy().refusalReason("::1")).toBe("::1 is a loopback address");
      return;
    }
    const refusal = await refusalOf(server.url, dispatcherFor(new OutboundPolicy()));
    expect(refusal.reason).toBe("::1 is a loopback address");
    expect(server.connections()).toBe(0);
  });

  it("reaches an address the operator allowed", async () => {
    const server = await startServer("127.0.0.1");
    await expect(statusOf(server.url, dispatcherFor(parseOutboundAllowList("127.0.0.1/32")))).resolves.toBe(200);
    expect(server.connections()).toBe(1);
  });

  it("reaches everything when the setting is true", async () => {
    const server = await startServer("127.0.0.1");
    await expect(statusOf(`http://localhost:${server.port}/`, dispatcherFor(parseOutboundAllowList("true")))).resolves.toBe(200);
    expect(server.connections()).toBe(1);
  });

  it("connects to the address the injected lookup answers when it is allowed", async () => {
    const server = await startServer("127.0.0.1");
    const dispatcher = dispatcherFor(parseOutboundAllowList("127.0.0.1/32"), lookupAnswering({ "hooks.example": ["127.0.0.1"] }));
    await expect(statusOf(`http://hooks.example:${server.port}/`, dispatcher)).resolves.toBe(200);
    expect(server.connections()).toBe(1);
  });

  it("refuses at connect time a name that pointed to a public address when the URL was saved (DNS rebinding)", async () => {
    const server = await startServer("127.0.0.1");
    const url = `http://rebind.example:${server.port}/hook`;
    const policy = new OutboundPolicy();

    await expect(checkUrl(url, policy, resolverAnswering({ "rebind.example": ["93.184.216.34"] }))).resolves.toEqual({ ok: true });

    const refusal = await refusalOf(url, dispatcherFor(policy, lookupAnswering({ "rebind.example": ["127.0.0.1"] })));
    expect(refusal.message).toBe("Refused to connect to rebind.example: 127.0.0.1 is a loopback address");
    expect(server.connections()).toBe(0);
  });

  it("refuses a name with one public and one private address at connect time", async () => {
    const server = await startServer("127.0.0.1");
    const dispatcher = dispatcherFor(new OutboundPolicy(), lookupAnswering({ "mixed.example": ["93.184.216.34", "127.0.0.1"] }));
    const refusal = await refusalOf(`http://mixed.example:${server.port}/`, dispatcher);
    expect(refusal.reason).toBe("127.0.0.1 is a loopback address");
    expect(server.connections()).toBe(0);
  });

  it("keeps serving allowed origins after refusing another", async () => {
    const server = await startServer("127.0.0.1");
    const dispatcher = dispatcherFor(parseOutboundAllowList("127.0.0.1/32"), lookupAnswering({ "metadata.example": ["169.254.169.254"] }));
    expect((await refusalOf("http://metadata.example/latest/meta-data/", dispatcher)).reason).toBe(
      "169.254.169.254 is a link-local address (where cloud metadata services answer)",
    );
    await expect(statusOf(server.url, dispatcher)).resolves.toBe(200);
  });
});

describe("finding a refusal behind a failed request", () => {
  it("follows the cause chain and ignores other errors", () => {
    const refusal = new OutboundAddressRefusedError("hooks.example", "10.0.0.1 is a private address");
    expect(findOutboundRefusal(refusal)).toBe(refusal);
    expect(findOutboundRefusal(new Error("fetch failed", { cause: new Error("connect", { cause: refusal }) }))).toBe(refusal);
    expect(findOutboundRefusal(new Error("ECONNREFUSED"))).toBeUndefined();
    expect(findOutboundRefusal("not an error")).toBeUndefined();
  });
});
