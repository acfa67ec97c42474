import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hash } from "@node-rs/argon2";
import { buildTestApp, createClient, registerPerson, registrationBody, type Client, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, linkToPhone, type TestInstance } from "../../test/instances.js";
import type { Kysely } from "kysely";
import { runAdminCommand } from "../../admin.js";
import type { Database } from "../../db/schema.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp({ MAX_INSTANCES_PER_ACCOUNT: "3", MAX_SANDBOX_PHONES_PER_ACCOUNT: "2" });
});
afterAll(async () => {
  await harness.close();
});

const CHROME_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
let nextPhone = 4_915_000_000_000;
const newPhone = () => String(nextPhone++);

async function signInAgain(email: string, password: string, userAgent: string, on: TestApp = harness): Promise<Client> {
  const client = createClient(on.app);
  const response = await client.request("POST", "/api/console/login", { email, password }, { "user-agent": userAgent });
  expect(response.statusCode).toBe(200);
  return client;
}

async function auditEventsOf(email: string, on: TestApp = harness) {
  return on.database.db.selectFrom("audit_event").selectAll().where("email", "=", email).orderBy("occurred_at").execute();
}

async function auditEventsOfUser(client: Client) {
  const me = (await client.get("/api/console/session")).json().account.email as string;
  const user = await harness.database.db.selectFrom("user").select("id").where("email", "=", me).executeTakeFirstOrThrow();
  return harness.database.db.selectFrom("audit_event").selectAll().where("user_id", "=", user.id).orderBy("occurred_at").execute();
}

describe("sessions list", () => {
  it("lists each session with device, address and times, the current one marked, and ends another", async () => {
    const { client, email, password } = await registerPerson(harness.app);
    const laptop = await signInAgain(email, password, CHROME_ON_LINUX);
    const tablet = await signInAgain(email, password, FIREFOX_ON_WINDOWS);

    const listed = await laptop.get("/api/console/account/sessions");
    expect(listed.statusCode).toBe(200);
    expect(listed.headers["cache-control"]).toBe("no-store");
    const sessions = listed.json().sessions as Array<Record<string, unknown>>;
    expect(sessions).toHaveLength(3);
    const current = sessions.filter((session) => session.isCurrent);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ device: "Chrome 131 on Linux", ip: laptop.ip, isPersistent: false });
    const tabletSession = sessions.find((session) => session.ip === tablet.ip)!;
    expect(tabletSession).toMatchObject({ device: "Firefox 133 on Windows", isCurrent: false });
    expect(Date.parse(String(tabletSession.createdAt))).toBe(harness.clock.now());
    // Nothing secret in the list: no token, no hash.
    expect(listed.body).not.toContain(tablet.cookie!);

    const ended = await laptop.request("DELETE", `/api/console/account/sessions/${String(tabletSession.id)}`);
    expect(ended.statusCode).toBe(204);
    expect((await tablet.get("/api/console/session")).statusCode).toBe(401);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
    expect((await auditEventsOfUser(laptop)).map((event) => event.event)).toContain("session_ended");
  });

  it("answers 404 for another person's session id and ends nothing", async () => {
    const victim = await registerPerson(harness.app);
    const victimSessionId = ((await victim.client.get("/api/console/account/sessions")).json().sessions as Array<{ id: string }>)[0]!.id;
    const stranger = await registerPerson(harness.app);
    const response = await stranger.client.request("DELETE", `/api/console/account/sessions/${victimSessionId}`);
    expect(response.statusCode).toBe(404);
    expect((await victim.client.get("/api/console/session")).statusCode).toBe(200);
  });

  it("ends all other sessions and keeps this one", async () => {
    const { client, email, password } = await registerPerson(harness.app);
    const others = [await signInAgain(email, password, CHROME_ON_LINUX), await signInAgain(email, password, FIREFOX_ON_WINDOWS)];
    const response = await client.post("/api/console/account/sessions/end-others", {});
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ended: 2 });
    for (const other of others) expect((await other.get("/api/console/session")).statusCode).toBe(401);
    expect((await client.get("/api/console/session")).statusCode).toBe(200);
    expect((await client.get("/api/console/account/sessions")).json().sessions).toHaveLength(1);
  });
});

describe("delete account", () => {
  it("refuses a wrong current password, audits it and deletes nothing", async () => {
    const { client, email } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    const response = await client.post("/api/console/account/delete", { currentPassword: "not-my-password" });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual({ currentPassword: "current_password_wrong" });
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(200);
    expect((await auditEventsOf(email)).length).toBeGreaterThan(0);
    expect((await auditEventsOfUser(client)).map((event) => event.event)).toContain("current_password_failed");
  });

  it("deletes instances (their tokens stop at once), sandbox phones, sessions and pending mail; the email can register again", async () => {
    const { client, email, password } = await registerPerson(harness.app);
    const other = await signInAgain(email, password, CHROME_ON_LINUX);
    const instance = await createInstance(client);
    const phone = newPhone();
    await linkToPhone(harness, client, instance, phone);
    // Someone else's instance linked to this account's phone is unlinked when the phone goes.
    const neighbour = await registerPerson(harness.app);
    const neighbourInstance = await createInstance(neighbour.client);
    const qr = (await neighbour.client.get(`/api/console/instances/${neighbourInstance.idInstance}/qr`)).json();
    const code = new URL(qr.link as string).searchParams.get("link");
    expect((await client.post(`/api/sandbox/phones/${phone}/link`, { code })).statusCode).toBe(200);
    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(200);

    // A pending mail of the account: the job runner is paused so that it stays pending.
    await harness.app.jobs.stop();
    await createClient(harness.app).post("/api/console/password-reset", { email });
    const pendingMail = () => harness.database.db.selectFrom("job").select("id").where("email", "=", email).execute();
    expect(await pendingMail()).toHaveLength(1);

    const response = await client.post("/api/console/account/delete", { currentPassword: password });
    harness.app.jobs.start();
    expect(response.statusCode).toBe(204);
    expect(client.cookie).toBeUndefined();

    expect((await callApi(harness.app, instance, "GET", "getStateInstance")).statusCode).toBe(403);
    expect((await other.get("/api/console/session")).statusCode).toBe(401);
    expect(await pendingMail()).toHaveLength(0);
    expect(await harness.database.db.selectFrom("sandbox_phone").select("number").where("number", "=", phone).execute()).toEqual([]);
    expect(await harness.database.db.selectFrom("sandbox_message").select("id").where("phone_number", "=", phone).execute()).toEqual([]);
    const neighbourState = await callApi(harness.app, neighbourInstance, "GET", "getStateInstance");
    expect(neighbourState.json().stateInstance).toBe("notAuthorized");
    expect((await createClient(harness.app).post("/api/console/login", { email, password })).statusCode).toBe(401);
    expect((await auditEventsOf(email)).map((event) => event.event)).toContain("account_deleted");

    const again = await createClient(harness.app).post("/api/console/registration", registrationBody({ email }));
    expect(again.statusCode).toBe(201);
  });
});

describe("export my data", () => {
  it("downloads the account, its instances without tokens, sessions and audit events as JSON", async () => {
    const { client, email } = await registerPerson(harness.app);
    const instance = await createInstance(client, "Shop bot");
    await callApi(harness.app, instance, "POST", "setSettings", { body: { webhookUrlToken: "secret-webhook-token-1234" } });
    const response = await client.get("/api/console/account/export");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/json");
    expect(response.headers["content-disposition"]).toMatch(/^attachment; filename="switchboard-account-\d{4}-\d{2}-\d{2}\.json"$/);
    const data = response.json();
    expect(data.account).toMatchObject({ email, country: "DE", language: "en" });
    expect(data.instances).toHaveLength(1);
    expect(data.instances[0]).toMatchObject({ idInstance: instance.idInstance, name: "Shop bot" });
    expect(data.sessions).toHaveLength(1);
    expect(data.auditEvents.map((event: { event: string }) => event.event)).toEqual(
      expect.arrayContaining(["registered", "instance_created", "token_revealed"]),
    );
    expect(response.body).not.toContain(instance.token);
    expect(response.body).not.toContain("secret-webhook-token-1234");
    expect(response.body).not.toContain("$argon2id$");
    expect((await createClient(harness.app).get("/api/console/account/export")).statusCode).toBe(401);
  });
});

describe("operator commands", () => {
  // The command runs beside the server, on a connection of its own, as `npm run admin` does.
  let server: TestApp;
  let adminDb: Kysely<Database>;
  beforeAll(async () => {
    server = await buildTestApp({}, { sqliteInFile: true });
    adminDb = server.database.connectAgain();
  });
  afterAll(async () => {
    await server.close();
  });
  const run = async (...args: string[]) => {
    let output = "";
    const code = await runAdminCommand(args, { db: adminDb, out: { write: (text) => void (output += text) }, clock: server.clock });
    // The command is another process in production: the next request reaches the server from a
    // socket, in a later turn of its event loop, which is when it looks for other connections' writes.
    await new Promise((resolve) => setImmediate(resolve));
    return { code, output };
  };

  /**
   * The status an instance's API answers once the command's change has reached the server's
   * instance cache: at once on SQLite; on PostgreSQL when the database's notification arrives,
   * a moment later (at most a few seconds under load).
   */
  const stateAnswerSettlesTo = async (instance: TestInstance, status: number) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const answered = (await callApi(server.app, instance, "GET", "getStateInstance")).statusCode;
      if (answered === status || Date.now() > deadline) return answered;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("lists accounts with their sessions and instances", async () => {
    const { client, email } = await registerPerson(server.app);
    await createInstance(client);
    const { code, output } = await run("list");
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^${email.replace(/[.+]/g, "\\$&")}\\t\\S+\\tno\\t1\\t1$`, "m"));
  });

  it("ends every session of an email", async () => {
    const { client, email, password } = await registerPerson(server.app);
    const other = await signInAgain(email, password, CHROME_ON_LINUX, server);
    const { code, output } = await run("end-sessions", email);
    expect(code).toBe(0);
    expect(output).toContain("Ended 2 session(s)");
    expect((await client.get("/api/console/session")).statusCode).toBe(401);
    expect((await other.get("/api/console/session")).statusCode).toBe(401);
  });

  it("disables an account: no sign-in, sessions end, instances answer 403; enable undoes it", async () => {
    const { client, email, password } = await registerPerson(server.app);
    const instance = await createInstance(client);
    expect((await callApi(server.app, instance, "GET", "getStateInstance")).statusCode).toBe(200);

    expect((await run("disable", email)).code).toBe(0);
    expect((await client.get("/api/console/session")).statusCode).toBe(401);
    const refused = await createClient(server.app).post("/api/console/login", { email, password });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe("account_disabled");
    // Only the right password learns that: a wrong one answers as for any account.
    const wrong = await createClient(server.app).post("/api/console/login", { email, password: "wrong-password-9" });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe("invalid_credentials");
    expect(await stateAnswerSettlesTo(instance, 403)).toBe(403);
    expect((await run("list")).output).toMatch(new RegExp(`^${email.replace(/[.+]/g, "\\$&")}\\t\\S+\\tyes\\t`, "m"));

    expect((await run("enable", email)).code).toBe(0);
    expect(await stateAnswerSettlesTo(instance, 200)).toBe(200);
    expect((await createClient(server.app).post("/api/console/login", { email, password })).statusCode).toBe(200);
    expect((await auditEventsOf(email, server)).map((event) => event.event)).toEqual(
      expect.arrayContaining(["account_disabled", "login_refused_disabled", "account_enabled"]),
    );
  });

  it("names an unknown email and a missing argument clearly", async () => {
    expect(await run("disable", "nobody@example.com")).toEqual({ code: 1, output: "No account has the email nobody@example.com.\n" });
    const missing = await run("disable");
    expect(missing.code).toBe(2);
    expect(missing.output).toContain("needs an email");
    const unknown = await run("explode");
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain("Unknown command: explode");
  });
});

describe("audit of instance events", () => {
  it("records creation, token reveal, rotation (console and API) and deletion with the idInstance", async () => {
    const { client } = await registerPerson(harness.app);
    const instance = await createInstance(client);
    await client.post(`/api/console/instances/${instance.idInstance}/token`);
    const token = (await client.get(`/api/console/instances/${instance.idInstance}/token`)).json().apiTokenInstance as string;
    await callApi(harness.app, { ...instance, token }, "GET", "updateApiToken");
    await client.request("DELETE", `/api/console/instances/${instance.idInstance}`);
    const events = (await auditEventsOfUser(client)).filter((event) => event.subject === String(instance.idInstance));
    expect(events.map((event) => event.event)).toEqual([
      "instance_created",
      "token_revealed",
      "token_rotated",
      "token_revealed",
      "token_rotated",
      "instance_deleted",
    ]);
  });
});

describe("password rules", () => {
  it.each([
    ["the product's name", "someone@example.com", "Switchboard-2026!"],
    ["the email's local part", "ada.lovelace@example.com", "AdaLovelace1815"],
    ["the local part's pieces in another order", "ada.lovelace@example.com", "lovelace.ada.99"],
  ])("refuses a new password built from %s", async (_name, email, password) => {
    const response = await createClient(harness.app).post(
      "/api/console/registration",
      registrationBody({ email, password, passwordRepeat: password }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual({ password: "password_context" });
  });

  it("refuses it in the change-password form too", async () => {
    const { client, password } = await registerPerson(harness.app);
    const response = await client.post("/api/console/account/password", {
      currentPassword: password,
      newPassword: "switchboard-switchboard-1",
      newPasswordRepeat: "switchboard-switchboard-1",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual({ newPassword: "password_context" });
  });

  it("re-hashes a password stored with older argon2 parameters at the next login", async () => {
    const { email, password } = await registerPerson(harness.app);
    const weak = await hash(password, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await harness.database.db.updateTable("user").set({ password_hash: weak }).where("email", "=", email).execute();
    expect((await createClient(harness.app).post("/api/console/login", { email, password })).statusCode).toBe(200);
    const stored = await harness.database.db
      .selectFrom("user")
      .select("password_hash")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await createClient(harness.app).post("/api/console/login", { email, password })).statusCode).toBe(200);
  });
});

describe("quotas", () => {
  it("refuses an instance past the account's quota with a clear error and creates nothing", async () => {
    const { client } = await registerPerson(harness.app);
    for (let index = 0; index < 3; index++) await createInstance(client, `Instance ${index}`);
    const refused = await client.post("/api/console/instances", { name: "One too many" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: "quota_exceeded", message: expect.stringContaining("at most 3 instances") });
    expect((await client.get("/api/console/instances")).json().instances).toHaveLength(3);
  });

  it("refuses a sandbox phone past the quota, but reopening one's own phone is fine", async () => {
    const { client } = await registerPerson(harness.app);
    const [first, second, third] = [newPhone(), newPhone(), newPhone()];
    expect((await client.post("/api/sandbox/phones", { number: first })).statusCode).toBe(200);
    expect((await client.post("/api/sandbox/phones", { number: second })).statusCode).toBe(200);
    const refused = await client.post("/api/sandbox/phones", { number: third });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: "quota_exceeded", message: expect.stringContaining("at most 2 sandbox phones") });
    expect((await client.post("/api/sandbox/phones", { number: first })).statusCode).toBe(200);
  });

  it("holds the sandbox phone quota under concurrent opens", async () => {
    const { client } = await registerPerson(harness.app);
    const numbers = Array.from({ length: 6 }, () => newPhone());
    const answers = await Promise.all(numbers.map((number) => client.post("/api/sandbox/phones", { number })));
    const opened = numbers.filter((_, index) => answers[index]!.statusCode === 200);
    expect(opened).toHaveLength(2);
    for (const refused of answers.filter((answer) => answer.statusCode !== 200)) {
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: "quota_exceeded" });
    }
    const stored = await harness.database.db.selectFrom("sandbox_phone").select("number").where("number", "in", numbers).execute();
    expect(stored.map((row) => row.number).sort()).toEqual([...opened].sort());
    expect((await client.post("/api/sandbox/phones", { number: opened[0]! })).statusCode).toBe(200);
  });
});
