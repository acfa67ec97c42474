import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MailQueue } from "../../mail/mail-queue.js";
import type { Mailer } from "../../mail/mailer.js";
import { registrationRequestSchema } from "../../../shared/accounts.schemas.js";
import { registrationBody } from "../../test/build-test-app.js";
import { TestClock } from "../../test/test-clock.js";
import { createTestDatabase, type TestDatabase } from "../../test/test-database.js";
import { AuditRepository } from "../audit/audit.repository.js";
import { RateLimitRepository } from "../rate-limit/rate-limit.repository.js";
import { AccountsRepository } from "./accounts.repository.js";
import { AccountsService, type AccountDataOwner } from "./accounts.service.js";
import { SessionsRepository } from "./sessions.repository.js";
import { SessionsService } from "./sessions.service.js";

const ORIGIN = { ip: "10.9.8.7", userAgent: "SwitchboardTest/1.0" };

let database: TestDatabase;
let sessions: SessionsService;
let service: AccountsService;
const mailQueue = { registerHandler: () => undefined, enqueue: async () => undefined, deleteFor: vi.fn(async () => undefined) };

beforeEach(async () => {
  database = await createTestDatabase();
  const clock = new TestClock();
  sessions = new SessionsService(new SessionsRepository(database.db), clock);
  service = new AccountsService({
    accounts: new AccountsRepository(database.db),
    sessions,
    rateLimits: new RateLimitRepository(database.db),
    audit: new AuditRepository(database.db),
    mailQueue: mailQueue as unknown as MailQueue,
    mailer: { send: async () => undefined, close: async () => undefined } satisfies Mailer,
    clock,
    publicUrl: "http://console.switchboard.test",
  });
});
afterEach(async () => {
  await database.destroy();
});

async function registered() {
  const body = registrationRequestSchema.parse(registrationBody());
  const signedIn = await service.register(body, ORIGIN);
  const session = (await sessions.validate(signedIn.session.token))!;
  return { session, token: signedIn.session.token, password: body.password, userId: session.user_id };
}

const userExists = async (userId: string) =>
  (await database.db.selectFrom("user").select("id").where("id", "=", userId).executeTakeFirst()) !== undefined;

const deletionsAudited = async (userId: string) =>
  (await database.db.selectFrom("audit_event").select("id").where("user_id", "=", userId).where("event", "=", "account_deleted").execute())
    .length;

function owner(deleteAccountData: (userId: string) => Promise<void>): AccountDataOwner & { deleteAccountData: ReturnType<typeof vi.fn> } {
  return { exportKey: "test", deleteAccountData: vi.fn(deleteAccountData), exportAccountData: async () => [] };
}

describe("deleting an account", () => {
  it("keeps the account whole when a step fails, so that its owner can sign in and try again", async () => {
    const { session, token, password, userId } = await registered();
    let failuresLeft = 1;
    const flaky = owner(async () => {
      if (failuresLeft-- > 0) throw new Error("the disk is full");
    });
    const next = owner(async () => undefined);
    service.registerDataOwner(flaky);
    service.registerDataOwner(next);

    await expect(service.deleteAccount(session, password, ORIGIN)).rejects.toThrow("the disk is full");
    expect(await userExists(userId)).toBe(true);
    expect(await sessions.validate(token)).toBeDefined();
    expect(next.deleteAccountData).not.toHaveBeenCalled();
    expect(await deletionsAudited(userId)).toBe(0);

    await service.deleteAccount(session, password, ORIGIN);
    expect(await userExists(userId)).toBe(false);
    expect(flaky.deleteAccountData).toHaveBeenCalledTimes(2);
    expect(next.deleteAccountData).toHaveBeenCalledTimes(1);
    expect(await deletionsAudited(userId)).toBe(1);
  });

  it("can run twice at once: both succeed and the deletion is recorded once", async () => {
    const { session, password, userId } = await registered();
    // Holds both deletions until each has passed its password check.
    let arrived = 0;
    let releaseBoth: () => void = () => undefined;
    const bothArrived = new Promise<void>((resolve) => (releaseBoth = resolve));
    service.registerDataOwner(
      owner(async () => {
        if (++arrived === 2) releaseBoth();
        await bothArrived;
      }),
    );

    await Promise.all([service.deleteAccount(session, password, ORIGIN), service.deleteAccount(session, password, ORIGIN)]);
    expect(await userExists(userId)).toBe(false);
    expect(await deletionsAudited(userId)).toBe(1);
  });

  it("ends the account's other sessions before other modules delete, keeping this one until the end", async () => {
    const { session, password, userId } = await registered();
    const second = await sessions.issue({ userId, isPersistent: false, temporaryPasswordId: null, origin: ORIGIN });
    let secondAliveDuringDeletion: boolean | undefined;
    service.registerDataOwner(
      owner(async () => {
        secondAliveDuringDeletion = (await sessions.validate(second.token)) !== undefined;
      }),
    );
    await service.deleteAccount(session, password, ORIGIN);
    expect(secondAliveDuringDeletion).toBe(false);
  });
});
