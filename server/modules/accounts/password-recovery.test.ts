import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, uniqueEmail, type Client, type TestApp } from "../../test/build-test-app.js";
import { temporaryPasswordIn } from "../../test/smtp-capture.js";
import { hashPassword } from "../../security/passwords.js";
import { createTemporaryPassword } from "../../security/tokens.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

const NEW_PASSWORD = "amber-quartz-1903-harbor";

/** Asks for a temporary password, from a fresh address unless a client is given. */
async function requestTemporaryPassword(email: string, from: Client = createClient(harness.app)) {
  const response = await from.post("/api/console/password-reset", { email });
  await harness.app.mailQueue.whenIdle();
  return response;
}

async function login(email: string, password: string, client = createClient(harness.app)) {
  const response = await client.post("/api/console/login", { email, password });
  return { response, client };
}

describe("forgot password", () => {
  it("gives the same answer whether or not the account exists, and mails only a real account", async () => {
    const { email } = await registerPerson(harness.app);
    const stranger = uniqueEmail();
    const known = await requestTemporaryPassword(email);
    const unknown = await requestTemporaryPassword(stranger);
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    await harness.smtp.waitForMail(email);
    expect(harness.smtp.mailsTo(stranger)).toHaveLength(0);
  });

  it("mails a random temporary password of at least 80 bits, as text and HTML in the person's language", async () => {
    const { email } = await registerPerson(harness.app, { language: "ru" });
    await requestTemporaryPassword(email);
    const mail = await harness.smtp.waitForMail(email);
    const temporary = temporaryPasswordIn(mail);
    // 20 characters from a 32-letter alphabet: 100 bits.
    expect(temporary).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{20}$/);
    expect(mail.subject).toBe("Ваш временный пароль Switchboard");
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: "Switchboard", address: "no-reply@switchboard.test" });
    expect(mail.text).toContain("http://console.switchboard.test/login");
    expect(mail.html).toContain(temporary);
    expect(mail.html).toContain('lang="ru"');

    const { email: other } = await registerPerson(harness.app);
    await requestTemporaryPassword(other);
    expect(temporaryPasswordIn(await harness.smtp.waitForMail(other))).not.toBe(temporary);
  });

  it("builds links from PUBLIC_URL, never from the request's Host", async () => {
    const { email } = await registerPerson(harness.app);
    await createClient(harness.app).request("POST", "/api/console/password-reset", { email }, { host: "evil.example" });
    await harness.app.mailQueue.whenIdle();
    const mail = await harness.smtp.waitForMail(email);
    expect(mail.text).not.toContain("evil.example");
    expect(mail.html).not.toContain("evil.example");
  });

  it("walks the manual: temporary password → Account tab only → new password; old and temporary then fail", async () => {
    const { email, password: oldPassword } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));

    const { response, client } = await login(email, temporary);
    expect(response.statusCode).toBe(200);
    expect(response.json().account.mustChangePassword).toBe(true);
    expect((await client.get("/api/console/session")).json().account.mustChangePassword).toBe(true);
    // Nothing but the password change is open to this session.
    const blocked = await client.request("PUT", "/api/console/account/language", { language: "es" });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe("password_change_required");

    const changed = await client.post("/api/console/account/password", {
      currentPassword: temporary,
      newPassword: NEW_PASSWORD,
      newPasswordRepeat: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().account.mustChangePassword).toBe(false);
    expect((await client.request("PUT", "/api/console/account/language", { language: "es" })).statusCode).toBe(200);

    expect((await login(email, oldPassword)).response.statusCode).toBe(401);
    expect((await login(email, temporary)).response.statusCode).toBe(401);
    expect((await login(email, NEW_PASSWORD)).response.statusCode).toBe(200);
  });

  it("keeps the current password working until the temporary one is used", async () => {
    const { email, password } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    expect((await login(email, password)).response.statusCode).toBe(200);
    expect((await login(email, temporary)).response.statusCode).toBe(200);
    expect((await login(email, password)).response.statusCode).toBe(401);
  });

  it("accepts the temporary password however it is typed: lower case, spaces, look-alike letters", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    const typed = ` ${temporary.slice(0, 10).toLowerCase()} ${temporary.slice(10).replace(/0/g, "O").replace(/1/g, "l")} `;
    expect((await login(email, typed)).response.statusCode).toBe(200);
  });

  it("lets a temporary password be used once only", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    const results = await Promise.all([login(email, temporary), login(email, temporary)]);
    expect(results.map(({ response }) => response.statusCode).sort()).toEqual([200, 401]);
    expect((await login(email, temporary)).response.statusCode).toBe(401);
  });

  it("keeps the newest three temporary passwords valid; using one voids the others", async () => {
    const { email } = await registerPerson(harness.app);
    const mailed: string[] = [];
    for (let request = 1; request <= 4; request++) {
      await requestTemporaryPassword(email);
      mailed.push(temporaryPasswordIn(await harness.smtp.waitForMail(email, request)));
    }
    const [oldest, second, third, newest] = mailed as [string, string, string, string];
    expect((await login(email, oldest)).response.statusCode).toBe(401);
    expect((await login(email, third)).response.statusCode).toBe(200);
    expect((await login(email, newest)).response.statusCode).toBe(401);
    expect((await login(email, second)).response.statusCode).toBe(401);
  });

  it("the owner's temporary password still works after a stranger asked for another mail", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const owners = temporaryPasswordIn(await harness.smtp.waitForMail(email, 1));
    await requestTemporaryPassword(email);
    await harness.smtp.waitForMail(email, 2);
    expect((await login(email, owners)).response.statusCode).toBe(200);
  });

  it("stores a SHA-256 of the temporary password, and still accepts one stored as argon2id before that until it expires", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const mailed = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    const user = await harness.database.db.selectFrom("user").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    const stored = await harness.database.db
      .selectFrom("temporary_password")
      .select("password_hash")
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored.password_hash).not.toContain(mailed);

    const legacy = createTemporaryPassword();
    const legacyRow = async (id: string) =>
      harness.database.db
        .insertInto("temporary_password")
        .values({
          id,
          user_id: user.id,
          password_hash: await hashPassword(legacy),
          created_at: harness.clock.now(),
          expires_at: harness.clock.now() + 30 * 60_000,
          used_at: null,
        })
        .execute();
    await legacyRow("legacy-temporary-password-1");
    expect((await login(email, legacy)).response.statusCode).toBe(200);

    await legacyRow("legacy-temporary-password-2");
    harness.clock.advance(30 * 60_000);
    expect((await login(email, legacy)).response.statusCode).toBe(401);
  });

  it("keeps the temporary password of a session that has not set its new password yet, even days later", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    const client = createClient(harness.app);
    await client.post("/api/console/login", { email, password: temporary, rememberMe: true });
    harness.clock.advance(3 * 24 * 60 * 60_000);
    await harness.app.housekeeping();
    const changed = await client.post("/api/console/account/password", {
      currentPassword: temporary,
      newPassword: NEW_PASSWORD,
      newPasswordRepeat: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
  });

  it("lets a temporary password expire after 30 minutes", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const temporary = temporaryPasswordIn(await harness.smtp.waitForMail(email));
    harness.clock.advance(30 * 60_000);
    expect((await login(email, temporary)).response.statusCode).toBe(401);
  });

  it("sends at most 3 mails an hour per account and asking address, and 10 per account from every address, silently", async () => {
    const { email } = await registerPerson(harness.app);
    const oneAddress = createClient(harness.app);
    const answers = [];
    for (let request = 0; request < 5; request++) answers.push((await requestTemporaryPassword(email, oneAddress)).statusCode);
    expect(answers).toEqual([202, 202, 202, 202, 202]);
    await harness.smtp.waitForMail(email, 3);
    await harness.app.mailQueue.whenIdle();
    expect(harness.smtp.mailsTo(email)).toHaveLength(3);

    for (let request = 0; request < 10; request++) await requestTemporaryPassword(email);
    await harness.smtp.waitForMail(email, 10);
    await harness.app.mailQueue.whenIdle();
    expect(harness.smtp.mailsTo(email)).toHaveLength(10);

    harness.clock.advance(60 * 60_000);
    await requestTemporaryPassword(email, oneAddress);
    await harness.smtp.waitForMail(email, 11);
  });

  it("a stranger's requests do not stop the owner's own request from their address", async () => {
    const { email } = await registerPerson(harness.app);
    const stranger = createClient(harness.app);
    for (let request = 0; request < 4; request++) await requestTemporaryPassword(email, stranger);
    await harness.smtp.waitForMail(email, 3);
    await requestTemporaryPassword(email);
    const owners = temporaryPasswordIn(await harness.smtp.waitForMail(email, 4));
    expect(harness.smtp.mailsTo(email)).toHaveLength(4);
    expect((await login(email, owners)).response.statusCode).toBe(200);
  });
});

describe("change password in the Account tab", () => {
  const change = (client: ReturnType<typeof createClient>, body: Record<string, string>) =>
    client.post("/api/console/account/password", body);

  it("refuses a wrong current password, a common or unchanged new one and a repeat that differs, changing nothing", async () => {
    const { client, email, password } = await registerPerson(harness.app);
    const cases: Array<[Record<string, string>, string, string]> = [
      [
        { currentPassword: "wrong-current-pass", newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD },
        "currentPassword",
        "current_password_wrong",
      ],
      [{ currentPassword: password, newPassword: "iloveyou1", newPasswordRepeat: "iloveyou1" }, "newPassword", "password_common"],
      [{ currentPassword: password, newPassword: password, newPasswordRepeat: password }, "newPassword", "password_unchanged"],
      [
        { currentPassword: password, newPassword: NEW_PASSWORD, newPasswordRepeat: "something-else-1" },
        "newPasswordRepeat",
        "passwords_do_not_match",
      ],
      [{ currentPassword: password, newPassword: "short", newPasswordRepeat: "short" }, "newPassword", "password_too_short"],
    ];
    for (const [body, field, code] of cases) {
      const response = await change(client, body);
      expect(response.statusCode).toBe(400);
      expect(response.json().fields).toEqual({ [field]: code });
    }
    expect((await login(email, password)).response.statusCode).toBe(200);
  });

  it("on success ends every other session, keeps this one, and mails a notice", async () => {
    const { client, email, password } = await registerPerson(harness.app, { language: "es" });
    const { client: otherDevice } = await login(email, password);
    const response = await change(client, { currentPassword: password, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD });
    expect(response.statusCode).toBe(200);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
    expect((await otherDevice.get("/api/console/session")).statusCode).toBe(401);
    await harness.app.mailQueue.whenIdle();
    const notice = await harness.smtp.waitForMail(email);
    expect(notice.subject).toBe("Se ha cambiado tu contraseña de Switchboard");
    expect(notice.text).toContain(email);
    expect(notice.html).toContain("<p>");
  });

  it("needs a session", async () => {
    const response = await change(createClient(harness.app), {
      currentPassword: "a",
      newPassword: NEW_PASSWORD,
      newPasswordRepeat: NEW_PASSWORD,
    });
    expect(response.statusCode).toBe(401);
  });
});
