import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "../../test/test-database.js";
import {
  buildTestApp,
  createClient,
  registerPerson,
  registrationBody,
  STRONG_PASSWORD,
  uniqueEmail,
  type TestApp,
} from "../../test/build-test-app.js";
import { COMMON_PASSWORD_COUNT } from "../../security/passwords.js";
import { sha256Hex } from "../../security/tokens.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

const countUsers = () => countRows(harness.database.db, "user");

describe("registration", () => {
  it("creates the account, signs the person in and lands them in the console", async () => {
    const client = createClient(harness.app);
    const body = registrationBody({ email: "  New.Person@Example.COM ", country: "fr", language: "es" });
    const response = await client.post("/api/console/registration", body);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      account: { email: "new.person@example.com", country: "FR", language: "es", mustChangePassword: false },
    });
    const cookie = response.cookies.find((c) => c.name === "switchboard_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(cookie?.maxAge).toBeUndefined();
    const session = await client.get("/api/console/session");
    expect(session.statusCode).toBe(200);
    expect(session.json().account.email).toBe("new.person@example.com");
  });

  it("stores the password as argon2id (m=19456, t=2, p=1) and the session token only as its SHA-256", async () => {
    const { client, email } = await registerPerson(harness.app);
    const user = await harness.database.db.selectFrom("user").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user.password_hash).not.toContain(STRONG_PASSWORD);
    const sessions = await harness.database.db.selectFrom("session").selectAll().where("user_id", "=", user.id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.token_hash).toBe(sha256Hex(client.cookie!));
    expect(Buffer.from(client.cookie!, "base64url").length).toBeGreaterThanOrEqual(16);
  });

  it("says when an email is taken, whatever its case, and creates nothing", async () => {
    const { email } = await registerPerson(harness.app);
    const before = await countUsers();
    const response = await createClient(harness.app).post("/api/console/registration", registrationBody({ email: email.toUpperCase() }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "validation_failed", fields: { email: "email_taken" } });
    expect(await countUsers()).toBe(before);
  });

  it("lets exactly one of two simultaneous registrations of one email through", async () => {
    const email = uniqueEmail();
    const responses = await Promise.all(
      [0, 1, 2].map(() => createClient(harness.app).post("/api/console/registration", registrationBody({ email }))),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 400, 400]);
  });

  it.each([
    ["a password under 8 characters", { password: "Ab1!xyz", passwordRepeat: "Ab1!xyz" }, "password", "password_too_short"],
    ["a password over 128 characters", { password: "x".repeat(129), passwordRepeat: "x".repeat(129) }, "password", "password_too_long"],
    ["a common password", { password: "password123", passwordRepeat: "password123" }, "password", "password_common"],
    ["a common password in other case", { password: "PASSWORD123", passwordRepeat: "PASSWORD123" }, "password", "password_common"],
    ["a repeat that differs", { passwordRepeat: `${STRONG_PASSWORD}x` }, "passwordRepeat", "passwords_do_not_match"],
    ["an unknown country", { country: "ZZ" }, "country", "country_invalid"],
    ["an agreement not accepted", { agreementAccepted: false as unknown as true }, "agreementAccepted", "agreement_required"],
    ["an unknown language", { language: "xx" as "en" }, "language", "language_invalid"],
    ["a malformed email", { email: "not-an-email" }, "email", "invalid_email"],
    ["an email of 300 characters", { email: `${"a".repeat(290)}@example.com` }, "email", "too_long"],
  ])("refuses %s with the reason beside the field, and creates nothing", async (_name, overrides, field, code) => {
    const before = await countUsers();
    const response = await createClient(harness.app).post("/api/console/registration", registrationBody(overrides));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "validation_failed", fields: { [field]: code } });
    expect(await countUsers()).toBe(before);
  });

  it("reports every invalid field at once", async () => {
    const response = await createClient(harness.app).post("/api/console/registration", {
      email: "nope",
      password: "short",
      passwordRepeat: "other",
      country: "ZZ",
      agreementAccepted: false,
      language: "en",
    });
    expect(response.json().fields).toEqual({
      email: "invalid_email",
      password: "password_too_short",
      passwordRepeat: "passwords_do_not_match",
      country: "country_invalid",
      agreementAccepted: "agreement_required",
    });
  });

  it("accepts 128 characters and counts characters, not bytes", async () => {
    const longest = "ж".repeat(120) + "🙂".repeat(8);
    const { client } = await registerPerson(harness.app, { password: longest, passwordRepeat: longest });
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
  });

  it("normalises passwords to NFKC, so full-width and plain letters are one password", async () => {
    const fullWidth = "ｖｉｏｌｅｔ－ｌａｎｔｅｒｎ－８２";
    const { email } = await registerPerson(harness.app, { password: fullWidth, passwordRepeat: fullWidth });
    const login = await createClient(harness.app).post("/api/console/login", { email, password: "violet-lantern-82" });
    expect(login.statusCode).toBe(200);
  });

  it("refuses common passwords from a list of at least 10,000", () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThanOrEqual(10_000);
  });

  it("is rate-limited per client address", async () => {
    const client = createClient(harness.app);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      statuses.push((await client.request("POST", "/api/console/registration", registrationBody())).statusCode);
      client.cookie = undefined;
    }
    expect(statuses.slice(0, 10).every((status) => status === 201)).toBe(true);
    const refused = await client.post("/api/console/registration", registrationBody());
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toBe("too_many_attempts");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    harness.clock.advance(60 * 60_000);
    expect((await client.post("/api/console/registration", registrationBody())).statusCode).toBe(201);
  });
});
