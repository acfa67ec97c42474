import { describe, expect, it } from "vitest";
import { addressKey, bucketName } from "./buckets.js";

describe("addressKey", () => {
  it.each([
    ["an IPv4 address", "203.0.113.9", "203.0.113.9"],
    ["an IPv4-mapped IPv6 address", "::ffff:203.0.113.9", "203.0.113.9"],
    ["an IPv4-mapped address in hex", "::FFFF:cb00:7109", "203.0.113.9"],
    ["a compressed IPv6 address", "2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["the same /64 written in full", "2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["a link-local address with a zone", "fe80::1%eth0", "fe80:0:0:0::/64"],
    ["an IPv6 address ending in dotted IPv4", "2001:db8::198.51.100.1", "2001:db8:0:0::/64"],
    ["the IPv6 loopback", "::1", "0:0:0:0::/64"],
    ["something that is no address", "operator", "operator"],
  ])("keys %s", (_name, ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

describe("bucketName", () => {
  it("hashes every variable part, so that the longest email and address fit and neither is stored", () => {
    const email = `${"a".repeat(64)}@${"b".repeat(189)}`;
    const name = bucketName("login:pair", email, "2001:db8:85a3:0:0:8a2e:370:7334");
    expect(name).toMatch(/^login:pair:[0-9a-f]{64}:[0-9a-f]{64}$/);
    expect(name).not.toContain(email);
  });
});
