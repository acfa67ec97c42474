import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "./test/test-database.js";
import { buildTestApp, createClient, registerPerson, registrationBody, TEST_PUBLIC_URL, type TestApp } from "./test/build-test-app.js";
import { temporaryPasswordIn } from "./test/smtp-capture.js";

const logLines: string[] = [];
let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp({}, { logLines });
});
afterAll(async () => {
  await harness.close();
});

const countUsers = () => countRows(harness.database.db, "user");

describe("origin check", () => {
  it.each([
    ["no Origin", undefined],
    ["another site's Origin", "https://evil.example"],
    ["a look-alike Origin", `${TEST_PUBLIC_URL}.evil.example`],
  ])("refuses a state-changing console request with %s, changing nothing", async (_name, origin) => {
    const before = await countUsers();
    const response = await harness.app.inject({
      method: "POST",
      url: "/api/console/registration",
      headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
      payload: JSON.stringify(registrationBody()),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toBe("origin_mismatch");
    expect(await countUsers()).toBe(before);
  });

  it.each(["/api/console/login", "/api/console/logout", "/api/console/password-reset", "/api/console/account/password"])(
    "guards %s too",
    async (url) => {
      const response = await createClient(harness.app, "switchboard_session", "https://evil.example").post(url, {});
      expect(response.statusCode).toBe(403);
    },
  );

  it("also guards a signed-in person's requests", async () => {
    const { client } = await registerPerson(harness.app);
    const response = await client.request("PUT", "/api/console/account/language", { language: "ru" }, { origin: "https://evil.example" });
    expect(response.statusCode).toBe(403);
    expect((await client.get("/api/console/session")).json().account.language).toBe("en");
  });
});

describe("security headers", () => {
  it("sends a CSP that forbids framing, no referrer, and no HSTS over plain http", async () => {
    const response = await harness.app.inject({ method: "GET", url: "/user-agreement" });
    expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(response.headers["referrer-policy"]).toBe("no-referrer");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["strict-transport-security"]).toBeUndefined();
  });

  it("marks console answers, which may carry account data, no-store", async () => {
    const { client } = await registerPerson(harness.app);
    expect((await client.get("/api/console/session")).headers["cache-control"]).toBe("no-store");
    expect((await client.post("/api/console/login", { email: "x@example.com", password: "y" })).headers["cache-control"]).toBe("no-store");
  });
});

describe("under https", () => {
  it("uses a __Host- cookie that is Secure, and sends HSTS", async () => {
    const secure = await buildTestApp({ PUBLIC_URL: "https://console.example.com" });
    try {
      const client = createClient(secure.app, "__Host-switchboard_session", "https://console.example.com");
      const response = await client.post("/api/console/registration", registrationBody());
      expect(response.statusCode).toBe(201);
      const cookie = response.cookies.find((c) => c.name === "__Host-switchboard_session");
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/" });
      expect(cookie?.domain).toBeUndefined();
      expect(response.headers["strict-transport-security"]).toContain("max-age=");
      expect((await client.get("/api/console/session")).statusCode).toBe(200);
    } finally {
      await secure.close();
    }
  });
});

describe("bad input gets a clear 4xx JSON error and changes nothing", () => {
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ["malformed JSON", '{"email": ', {}, 400, "invalid_json"],
    ["an empty body", "", {}, 400, "invalid_json"],
    ["a JSON array", "[1,2,3]", {}, 400, "validation_failed"],
    ["JSON null", "null", {}, 400, "validation_failed"],
    [
      "wrong types",
      JSON.stringify({ email: 42, password: ["x"], passwordRepeat: {}, country: true, agreementAccepted: "yes", language: 1 }),
      {},
      400,
      "validation_failed",
    ],
    ["missing fields", JSON.stringify({}), {}, 400, "validation_failed"],
    ["unknown fields", JSON.stringify({ ...registrationBody(), isAdmin: true }), {}, 400, "validation_failed"],
    ["a 1 MB body", JSON.stringify({ ...registrationBody(), email: `${"a".repeat(1_048_576)}@example.com` }), {}, 413, "payload_too_large"],
    ["form encoding", "email=a%40b.c", { "content-type": "application/x-www-form-urlencoded" }, 415, "unsupported_media_type"],
    ["a lone surrogate", JSON.stringify(registrationBody({ email: "\ud800@example.com" })), {}, 400, "validation_failed"],
    ["a NUL in the email", JSON.stringify(registrationBody({ email: "a\u0000b@example.com" })), {}, 400, "validation_failed"],
    [
      "right-to-left override in the email",
      JSON.stringify(registrationBody({ email: "a\u202eb@example.com" })),
      {},
      400,
      "validation_failed",
    ],
    ["a 300-character email", JSON.stringify(registrationBody({ email: `${"b".repeat(288)}@example.com` })), {}, 400, "validation_failed"],
  ];

  it.each(cases)("%s", async (_name, payload, headers, status, code) => {
    const before = await countUsers();
    const response = await harness.app.inject({
      method: "POST",
      url: "/api/console/registration",
      headers: { "content-type": "application/json", origin: TEST_PUBLIC_URL, ...headers },
      payload,
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers["content-type"]).toContain("application/json");
    expect(response.json()).toMatchObject({ error: code, message: expect.any(String) });
    expect(await countUsers()).toBe(before);
  });

  it("accepts odd but valid Unicode in a password and the same bytes log in again", async () => {
    const odd = "пароль\u200d👩‍💻\u05d0\u0301-zalgơ̷";
    const { email } = await registerPerson(harness.app, { password: odd, passwordRepeat: odd });
    expect((await createClient(harness.app).post("/api/console/login", { email, password: odd })).statusCode).toBe(200);
  });

  it("answers unknown console paths with a JSON 404", async () => {
    const response = await harness.app.inject({ method: "GET", url: "/api/console/nothing-here" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe("not_found");
  });
});

describe("audit and secrecy", () => {
  it("records each account event with time, account, IP and user agent, and never a secret", async () => {
    const { client, email, password } = await registerPerson(harness.app);
    await client.post("/api/console/logout");
    await createClient(harness.app).post("/api/console/login", { email, password: "wrong-password-1" });
    await client.post("/api/console/login", { email, password });
    await client.post("/api/console/password-reset", { email });
    await harness.app.mailQueue.whenIdle();
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    const temporaryClient = createClient(harness.app);
    await temporaryClient.post("/api/console/login", { email, password: temporary });
    const newPassword = "quiet-meadow-5521-lamp";
    const changed = await temporaryClient.post("/api/console/account/password", {
      currentPassword: temporary,
      newPassword,
      newPasswordRepeat: newPassword,
    });
    expect(changed.statusCode).toBe(200);
    const sessionToken = temporaryClient.cookie!;

    const user = await harness.database.db.selectFrom("user").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    const events = await harness.database.db
      .selectFrom("audit_event")
      .selectAll()
      .where("user_id", "=", user.id)
      .orderBy("occurred_at")
      .execute();
    expect(events.map((event) => event.event)).toEqual(
      expect.arrayContaining([
        "registered",
        "logout",
        "login_failed",
        "login_succeeded",
        "temporary_password_requested",
        "temporary_password_used",
        "password_changed",
      ]),
    );
    for (const event of events) {
      expect(event.ip).toMatch(/^10\./);
      expect(event.user_agent).toBe("SwitchboardTest/1.0");
      expect(event.occurred_at).toBeGreaterThan(0);
    }

    const secrets = [password, "wrong-password-1", temporary, newPassword, sessionToken, client.cookie].filter(Boolean) as string[];
    const auditText = JSON.stringify(await harness.database.db.selectFrom("audit_event").selectAll().execute());
    const logText = logLines.join("\n");
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(auditText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });
});
