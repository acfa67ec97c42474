import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, uniqueEmail, type TestApp } from "../../test/build-test-app.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

const DAY = 24 * 60 * 60_000;
const HOUR = 60 * 60_000;

async function login(body: Record<string, unknown>, client = createClient(harness.app)) {
  const response = await client.post("/api/console/login", body);
  return { response, client };
}

describe("login", () => {
  it("signs a registered person in and answers who they are", async () => {
    const { email, password } = await registerPerson(harness.app);
    const { response, client } = await login({ email: email.toUpperCase(), password });
    expect(response.statusCode).toBe(200);
    expect(response.json().account).toMatchObject({ email, mustChangePassword: false });
    expect((await client.get("/api/console/session")).json().account.email).toBe(email);
  });

  it("answers an unknown email and a wrong password with the same status and text", async () => {
    const { email } = await registerPerson(harness.app);
    const wrongPassword = await login({ email, password: "not-the-password" });
    const unknownEmail = await login({ email: uniqueEmail(), password: "not-the-password" });
    expect(wrongPassword.response.statusCode).toBe(401);
    expect(unknownEmail.response.statusCode).toBe(401);
    expect(unknownEmail.response.body).toBe(wrongPassword.response.body);
    expect(wrongPassword.response.json()).toEqual({ error: "invalid_credentials", message: "Wrong email or password." });
  });

  it("issues a new token at every login", async () => {
    const { email, password } = await registerPerson(harness.app);
    const first = await login({ email, password });
    const second = await login({ email, password });
    expect(first.client.cookie).toBeDefined();
    expect(second.client.cookie).not.toBe(first.client.cookie);
    expect((await first.client.get("/api/console/session")).statusCode).toBe(200);
    expect((await second.client.get("/api/console/session")).statusCode).toBe(200);
  });

  it("without Remember me: the cookie ends with the browser; the server ends the session after 2 idle hours", async () => {
    const { email, password } = await registerPerson(harness.app);
    const { response, client } = await login({ email, password, rememberMe: false });
    const cookie = response.cookies.find((c) => c.name === "switchboard_session");
    expect(cookie?.maxAge).toBeUndefined();
    expect(cookie?.expires).toBeUndefined();
    harness.clock.advance(2 * HOUR - 60_000);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
    harness.clock.advance(2 * HOUR);
    const expired = await client.get("/api/console/session");
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toBe("not_signed_in");
  });

  it("without Remember me: an active session still ends 12 hours after sign-in", async () => {
    const { email, password } = await registerPerson(harness.app);
    const { client } = await login({ email, password, rememberMe: false });
    for (let hour = 1; hour < 12; hour++) {
      harness.clock.advance(HOUR);
      expect((await client.get("/api/console/session")).statusCode, `after ${hour} hours`).toBe(200);
    }
    harness.clock.advance(HOUR);
    expect((await client.get("/api/console/session")).statusCode).toBe(401);
  });

  it("with Remember me: the session ends 30 days after sign-in, however active (not sliding)", async () => {
    const { email, password } = await registerPerson(harness.app);
    const { response, client } = await login({ email, password, rememberMe: true });
    const cookie = response.cookies.find((c) => c.name === "switchboard_session");
    expect(cookie?.maxAge).toBe(30 * 24 * 60 * 60);
    // Idle for days is fine for a remembered session…
    harness.clock.advance(10 * DAY);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
    for (let day = 11; day < 30; day++) {
      harness.clock.advance(DAY);
      const answer = await client.get("/api/console/session");
      expect(answer.statusCode, `on day ${day}`).toBe(200);
      // …and no request extends it: no new cookie is sent.
      expect(answer.cookies.find((c) => c.name === "switchboard_session")).toBeUndefined();
    }
    harness.clock.advance(DAY);
    expect((await client.get("/api/console/session")).statusCode).toBe(401);
  });

  it("throttles failures per account and address, then lets that address in once the window has passed", async () => {
    const { email, password } = await registerPerson(harness.app);
    const guesser = createClient(harness.app);
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await login({ email, password: `wrong-${attempt}` }, guesser)).response.statusCode).toBe(401);
    }
    // Even the right password waits there: the guesser must not learn it is right.
    const throttled = await login({ email, password }, guesser);
    expect(throttled.response.statusCode).toBe(429);
    expect(throttled.response.json().error).toBe("too_many_attempts");
    expect(Number(throttled.response.headers["retry-after"])).toBeGreaterThan(0);
    harness.clock.advance(15 * 60_000);
    expect((await login({ email, password }, guesser)).response.statusCode).toBe(200);
  });

  it("counts concurrent failures atomically: no more guesses from one address are checked than the limit", async () => {
    const { email } = await registerPerson(harness.app);
    const guesser = createClient(harness.app);
    const responses = await Promise.all(Array.from({ length: 25 }, (_, index) => login({ email, password: `guess-${index}` }, guesser)));
    const statuses = responses.map(({ response }) => response.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it("throttles failures per client address across many accounts", async () => {
    const client = createClient(harness.app);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 51; attempt++) {
      statuses.push((await login({ email: uniqueEmail(), password: "whatever-password" }, client)).response.statusCode);
    }
    expect(statuses.slice(0, 50).every((status) => status === 401)).toBe(true);
    expect(statuses[50]).toBe(429);
  });

  it("saves the language picked before signing in on the account", async () => {
    const { email, password } = await registerPerson(harness.app, { language: "en" });
    const { response, client } = await login({ email, password, language: "ru" });
    expect(response.json().account.language).toBe("ru");
    expect((await client.get("/api/console/session")).json().account.language).toBe("ru");
  });

  it("changes the interface language from inside the console", async () => {
    const { client } = await registerPerson(harness.app);
    const response = await client.request("PUT", "/api/console/account/language", { language: "he" });
    expect(response.statusCode).toBe(200);
    expect(response.json().account.language).toBe("he");
    const invalid = await client.request("PUT", "/api/console/account/language", { language: "klingon" });
    expect(invalid.statusCode).toBe(400);
    expect((await client.get("/api/console/session")).json().account.language).toBe("he");
  });
});

describe("logout", () => {
  it("ends the session on the server: the old cookie no longer works", async () => {
    const { client } = await registerPerson(harness.app);
    const token = client.cookie;
    const response = await client.post("/api/console/logout");
    expect(response.statusCode).toBe(204);
    expect(client.cookie).toBeUndefined();
    client.cookie = token;
    expect((await client.get("/api/console/session")).statusCode).toBe(401);
  });
});
