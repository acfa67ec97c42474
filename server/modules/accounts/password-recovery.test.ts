import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, uniqueEmail, type TestApp } from "../../test/build-test-app.js";
import { temporaryPasswordIn } from "../../test/smtp-capture.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

const NEW_PASSWORD = "amber-quartz-1903-harbor";

async function requestTemporaryPassword(email: string) {
  const response = await createClient(harness.app).post("/api/console/password-reset", { email });
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

  it("keeps only the newest temporary password valid", async () => {
    const { email } = await registerPerson(harness.app);
    await requestTemporaryPassword(email);
    const first = temporaryPasswordIn(await harness.smtp.waitForMail(email, 1));
    await requestTemporaryPassword(email);
    const second = temporaryPasswordIn(await harness.smtp.waitForMail(email, 2));
    expect((await login(email, first)).response.statusCode).toBe(401);
    expect((await login(email, second)).response.statusCode).toBe(200);
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

  it("sends at most 3 mails an hour per account, silently", async () => {
    const { email } = await registerPerson(harness.app);
    const answers = [];
    for (let request = 0; request < 5; request++) answers.push((await requestTemporaryPassword(email)).statusCode);
    expect(answers).toEqual([202, 202, 202, 202, 202]);
    await harness.smtp.waitForMail(email, 3);
    await harness.app.mailQueue.whenIdle();
    expect(harness.smtp.mailsTo(email)).toHaveLength(3);
    harness.clock.advance(60 * 60_000);
    await requestTemporaryPassword(email);
    await harness.smtp.waitForMail(email, 4);
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
