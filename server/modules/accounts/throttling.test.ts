import type * as Argon2 from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { countRows } from "../../test/test-database.js";
import { buildTestApp, createClient, registerPerson, uniqueEmail, uniqueIp, type Client, type TestApp } from "../../test/build-test-app.js";
import { temporaryPasswordIn } from "../../test/smtp-capture.js";
import { sha256Hex } from "../../security/tokens.js";
import { ACCOUNT_POLICY } from "./accounts.policy.js";

// Counts argon2 verifications: the seam for what a request makes the server work.
const argon2 = vi.hoisted(() => ({ verifications: 0 }));
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>();
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      argon2.verifications++;
      return real.verify(...args);
    },
  };
});

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp({ AUDIT_RETENTION_DAYS: "90" });
});
afterAll(async () => {
  await harness.close();
});

const WINDOW = 15 * 60_000;

function clientAt(ip: string): Client {
  const client = createClient(harness.app);
  client.ip = ip;
  return client;
}

async function loginStatus(client: Client, email: string, password: string): Promise<number> {
  return (await client.post("/api/console/login", { email, password })).statusCode;
}

/** Uses up an address's login attempts on accounts that do not exist. */
async function throttleAddress(ip: string): Promise<void> {
  const client = clientAt(ip);
  for (let attempt = 0; attempt < ACCOUNT_POLICY.loginAttemptsPerIp.limit; attempt++) {
    await loginStatus(client, uniqueEmail(), "whatever-password");
  }
  expect(await loginStatus(client, uniqueEmail(), "whatever-password")).toBe(429);
}

async function mailedTemporaryPassword(email: string): Promise<string> {
  await clientAt(uniqueIp()).post("/api/console/password-reset", { email });
  await harness.app.mailQueue.whenIdle();
  const mails = harness.smtp.mailsTo(email);
  return temporaryPasswordIn(mails[mails.length - 1]!);
}

const countRowsOf = (table: "rate_limit" | "audit_event") => countRows(harness.database.db, table);

describe("a stranger cannot lock an account", () => {
  it("after 11 wrong logins from a throttled address and from another one, the owner signs in from a third", async () => {
    const { email, password } = await registerPerson(harness.app);
    const throttledAddress = uniqueIp();
    await throttleAddress(throttledAddress);
    const attackerAtThrottled = clientAt(throttledAddress);
    for (let attempt = 0; attempt < 11; attempt++) {
      expect(await loginStatus(attackerAtThrottled, email, `guess-${attempt}`)).toBe(429);
    }
    // Refused by the per-address limit: nothing was charged to the account.
    const accountBuckets = await harness.database.db
      .selectFrom("rate_limit")
      .selectAll()
      .where("bucket", "like", `login:%${sha256Hex(email)}%`)
      .execute();
    expect(accountBuckets).toEqual([]);

    const attacker = clientAt(uniqueIp());
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) statuses.push(await loginStatus(attacker, email, `guess-${attempt}`));
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    // The pair (account, attacker's address) is throttled hard…
    expect(statuses[10]).toBe(429);
    expect(await loginStatus(attacker, email, password)).toBe(429);

    // …but the owner, from their own address, is only slowed down, never refused.
    const delaysBefore = harness.clock.delays.length;
    expect(await loginStatus(clientAt(uniqueIp()), email, password)).toBe(200);
    const slowdowns = harness.clock.delays.slice(delaysBefore);
    expect(slowdowns.length).toBe(1);
    expect(slowdowns[0]).toBeGreaterThan(0);
    expect(slowdowns[0]).toBeLessThanOrEqual(ACCOUNT_POLICY.loginSlowdownMaxMs);
  });

  it("a fresh temporary password from the mail signs the owner in even from a throttled address and pair", async () => {
    const { email } = await registerPerson(harness.app);
    const throttledAddress = uniqueIp();
    await throttleAddress(throttledAddress);
    for (let attempt = 0; attempt < 11; attempt++) await loginStatus(clientAt(throttledAddress), email, `guess-${attempt}`);
    const pairAddress = uniqueIp();
    for (let attempt = 0; attempt < 11; attempt++) await loginStatus(clientAt(pairAddress), email, `guess-${attempt}`);
    expect(await loginStatus(clientAt(pairAddress), email, "still-guessing")).toBe(429);

    const fromThrottledAddress = await mailedTemporaryPassword(email);
    const first = await clientAt(throttledAddress).post("/api/console/login", { email, password: fromThrottledAddress });
    expect(first.statusCode).toBe(200);
    expect(first.json().account.mustChangePassword).toBe(true);

    // Single use: the same one is refused the second time (throttled there, so 429).
    expect(await loginStatus(clientAt(throttledAddress), email, fromThrottledAddress)).toBe(429);

    const fromThrottledPair = await mailedTemporaryPassword(email);
    expect(await loginStatus(clientAt(pairAddress), email, fromThrottledPair)).toBe(200);
  });

  it("a throttled address that presents a wrong temporary-looking password still gets 429", async () => {
    const { email } = await registerPerson(harness.app);
    const address = uniqueIp();
    await throttleAddress(address);
    await mailedTemporaryPassword(email);
    expect(await loginStatus(clientAt(address), email, "ABCDEFGHJKMNPQRSTVWX")).toBe(429);
  });

  it("the owner's correct password also clears the account's slow-down", async () => {
    const { email, password } = await registerPerson(harness.app);
    for (let attempt = 0; attempt < 12; attempt++) await loginStatus(clientAt(uniqueIp()), email, `guess-${attempt}`);
    expect(await loginStatus(clientAt(uniqueIp()), email, password)).toBe(200);
    const delaysBefore = harness.clock.delays.length;
    expect(await loginStatus(clientAt(uniqueIp()), email, password)).toBe(200);
    expect(harness.clock.delays.length).toBe(delaysBefore);
  });
});

describe("a throttled guesser costs no password hashing", () => {
  it("temporary-looking passwords from a throttled address are refused without any argon2 check", async () => {
    const { email } = await registerPerson(harness.app);
    await mailedTemporaryPassword(email);
    const address = uniqueIp();
    await throttleAddress(address);
    const before = argon2.verifications;
    const statuses = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const guess = `${String(attempt).padStart(2, "0")}ABCDEFGHJKMNPQRSTV`;
      statuses.push(await loginStatus(clientAt(address), attempt % 2 ? email : uniqueEmail(), guess));
    }
    expect(statuses.every((status) => status === 429)).toBe(true);
    expect(argon2.verifications - before).toBe(0);
  });

  it("a failed login costs one argon2 check, whether the account exists and whether a temporary password is pending", async () => {
    const { email: plain } = await registerPerson(harness.app);
    const { email: pending } = await registerPerson(harness.app);
    await mailedTemporaryPassword(pending);
    for (const email of [plain, pending, uniqueEmail()]) {
      const before = argon2.verifications;
      expect(await loginStatus(clientAt(uniqueIp()), email, "ABCDEFGHJKMNPQRSTVWX")).toBe(401);
      expect(argon2.verifications - before, email).toBe(1);
    }
  });
});

describe("per-address limits", () => {
  it("count an IPv6 address's /64 as one address, and an IPv4-mapped address as its IPv4 address", async () => {
    const limit = ACCOUNT_POLICY.loginAttemptsPerIp.limit;
    for (let attempt = 0; attempt < limit; attempt++) {
      expect(await loginStatus(clientAt(`2001:db8:77:1::${(attempt + 1).toString(16)}`), uniqueEmail(), "a-guess-123")).toBe(401);
    }
    expect(await loginStatus(clientAt("2001:db8:77:1:ffff:ffff:ffff:ffff"), uniqueEmail(), "a-guess-123")).toBe(429);
    expect(await loginStatus(clientAt("2001:0db8:0077:0001:0:0:0:abcd"), uniqueEmail(), "a-guess-123")).toBe(429);
    expect(await loginStatus(clientAt("2001:db8:77:2::1"), uniqueEmail(), "a-guess-123")).toBe(401);

    const ipv4 = uniqueIp();
    await throttleAddress(ipv4);
    expect(await loginStatus(clientAt(`::ffff:${ipv4}`), uniqueEmail(), "a-guess-123")).toBe(429);
  });

  it("fit the table whatever the email and address: a 254-character email from a full IPv6 address is a 401", async () => {
    const email = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(53)}.example`;
    expect(email).toHaveLength(254);
    const address = "2001:0db8:85a3:0000:0000:8a2e:0370:7334";
    const response = await clientAt(address).post("/api/console/login", { email, password: "a-guess-123" });
    expect(response.statusCode).toBe(401);
    const buckets = await harness.database.db.selectFrom("rate_limit").select("bucket").execute();
    expect(Math.max(...buckets.map((row) => row.bucket.length))).toBeLessThanOrEqual(300);
    expect(buckets.some((row) => row.bucket.includes(email))).toBe(false);
  });
});

describe("the account's ceiling", () => {
  it("refuses password logins past 100 attempts an hour, however parallel; a fresh temporary password still gets the owner in", async () => {
    const { email, password } = await registerPerson(harness.app);
    const limit = ACCOUNT_POLICY.loginAttemptsPerAccount.limit;
    // From as many addresses, at once: counted before the check, so none slips past.
    const statuses = await Promise.all(
      Array.from({ length: limit + 20 }, (_, attempt) => loginStatus(clientAt(uniqueIp()), email, `guess-${attempt}`)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);

    const owner = clientAt(uniqueIp());
    const refused = await owner.post("/api/console/login", { email, password });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);

    const temporary = await mailedTemporaryPassword(email);
    const signedIn = await owner.post("/api/console/login", { email, password: temporary });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().account.mustChangePassword).toBe(true);
  });

  it("ends with its hour", async () => {
    const { email, password } = await registerPerson(harness.app);
    for (let attempt = 0; attempt <= ACCOUNT_POLICY.loginAttemptsPerAccount.limit; attempt++) {
      await loginStatus(clientAt(uniqueIp()), email, `guess-${attempt}`);
    }
    expect(await loginStatus(clientAt(uniqueIp()), email, password)).toBe(429);
    harness.clock.advance(60 * 60_000);
    expect(await loginStatus(clientAt(uniqueIp()), email, password)).toBe(200);
  });
});

describe("refused requests cost no storage each", () => {
  it("10,000 refused logins from a throttled address add no rate-limit or audit rows", async () => {
    const address = uniqueIp();
    await throttleAddress(address);
    const before = { limits: await countRowsOf("rate_limit"), audits: await countRowsOf("audit_event") };
    const client = clientAt(address);
    const total = 10_000;
    const concurrency = 50;
    let refused = 0;
    for (let start = 0; start < total; start += concurrency) {
      const statuses = await Promise.all(
        Array.from({ length: concurrency }, (_, index) => loginStatus(client, `victim${(start + index) % 997}@example.com`, "a-guess-123")),
      );
      refused += statuses.filter((status) => status === 429).length;
    }
    expect(refused).toBe(total);
    expect(await countRowsOf("rate_limit")).toBe(before.limits);
    expect(await countRowsOf("audit_event")).toBe(before.audits);
  }, 120_000);

  it("audits a throttled login once per bucket and window", async () => {
    const address = uniqueIp();
    await throttleAddress(address);
    for (let attempt = 0; attempt < 20; attempt++) await loginStatus(clientAt(address), uniqueEmail(), "x-password-1");
    const throttledEventsAt = async () =>
      (
        await harness.database.db
          .selectFrom("audit_event")
          .select("event")
          .where("ip", "=", address)
          .where("event", "=", "login_throttled")
          .execute()
      ).length;
    expect(await throttledEventsAt()).toBe(1);
    harness.clock.advance(WINDOW);
    await throttleAddress(address);
    expect(await throttledEventsAt()).toBe(2);
  });

  it("housekeeping removes audit events older than the retention (90 days)", async () => {
    const { email } = await registerPerson(harness.app);
    const user = await harness.database.db.selectFrom("user").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    const events = () => harness.database.db.selectFrom("audit_event").select("event").where("user_id", "=", user.id).execute();
    expect(await events()).toHaveLength(1);
    harness.clock.advance(89 * 24 * 60 * 60_000);
    await harness.app.housekeeping();
    expect(await events()).toHaveLength(1);
    harness.clock.advance(2 * 24 * 60 * 60_000);
    await harness.app.housekeeping();
    expect(await events()).toHaveLength(0);
  });
});
