import { spawnSync } from "node:child_process";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_PUBLIC_URL, uniqueEmail, type TestApp } from "./test/build-test-app.js";
import { repositoryRoot } from "./test/server-process.js";

/** A failed login from `remoteAddress` with the given X-Forwarded-For; answers the address the audit recorded. */
async function auditedAddress(harness: TestApp, remoteAddress: string, forwardedFor?: string): Promise<string> {
  const email = uniqueEmail();
  const response = await harness.app.inject({
    method: "POST",
    url: "/api/console/login",
    remoteAddress,
    headers: {
      origin: TEST_PUBLIC_URL,
      "content-type": "application/json",
      ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
    },
    payload: JSON.stringify({ email, password: "not-the-password-1" }),
  });
  expect(response.statusCode).toBe(401);
  const row = await harness.database.db
    .selectFrom("audit_event")
    .select("ip")
    .where("event", "=", "login_failed")
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  return row.ip;
}

/** What is recorded, from which peer, with which header, and the address expected. */
type Case = [what: string, remoteAddress: string, forwardedFor: string | undefined, expected: string];

const settings: Array<{ trust: string; cases: Case[] }> = [
  {
    trust: "1",
    cases: [
      ["the right-most forwarded address, one proxy in front", "127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"],
      ["the peer when nothing is forwarded", "127.0.0.1", undefined, "127.0.0.1"],
    ],
  },
  {
    trust: "127.0.0.1",
    cases: [
      ["the address the proxy saw, not a forged left-most one", "127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"],
      ["the peer when it is not the proxy", "198.51.100.9", "6.6.6.6", "198.51.100.9"],
    ],
  },
  {
    trust: "127.0.0.1,10.0.0.0/8,fd00::/8",
    cases: [["the first address outside the trusted proxies", "127.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3", "203.0.113.7"]],
  },
  {
    trust: "false",
    cases: [["the peer, whatever the header says", "127.0.0.1", "6.6.6.6, 203.0.113.7", "127.0.0.1"]],
  },
];

describe.each(settings)("with TRUST_PROXY=$trust", ({ trust, cases }) => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await buildTestApp({ TRUST_PROXY: trust });
  });
  afterAll(async () => {
    await harness.close();
  });

  it.each(cases)("records %s", async (_what, remoteAddress, forwardedFor, expected) => {
    expect(await auditedAddress(harness, remoteAddress, forwardedFor)).toBe(expected);
  });
});

describe("TRUST_PROXY=true", () => {
  it("stops start-up with a message naming TRUST_PROXY and what to give instead", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), DATA_DIR: os.tmpdir(), TRUST_PROXY: "true" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/TRUST_PROXY: .*number of proxies.*addresses/);
  });
});
