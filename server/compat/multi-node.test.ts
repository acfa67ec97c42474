/**
 * Several nodes on one PostgreSQL database: two real server processes on different ports,
 * one database, one Redis. An instance made and linked through node A is used through node B;
 * a long poll on A wakes when B stores a notification; the API's rate limits hold for both
 * together; and when the node holding the instance is killed (SIGKILL) during a burst of sends,
 * the other takes its lease over within 30 seconds and every acknowledged message reaches the
 * recipient's phone exactly once. PostgreSQL only (SQLite is one node): it runs in the
 * server-postgres project.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleClient } from "../test/console-client.js";
import { startServerProcess, type ServerProcess } from "../test/server-process.js";
import { createPostgresDatabase } from "../test/test-database.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const folders: string[] = [];
const servers: ServerProcess[] = [];
let database: { url: string; drop(): Promise<void> } | undefined;
const secretKey = randomBytes(32).toString("hex");

async function startNode(nodeId: string): Promise<ServerProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `switchboard-${nodeId}-`));
  folders.push(dataDir);
  const server = await startServerProcess({
    NODE_ID: nodeId,
    DATA_DIR: dataDir,
    DATABASE_URL: database!.url,
    SECRET_KEY: secretKey,
    REDIS_URL,
    API_RATE_LIMITS: "true",
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  database = await createPostgresDatabase("multinode");
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.child.kill("SIGKILL");
  await Promise.all(servers.map((server) => server.exited));
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
  await database?.drop();
});

interface Api {
  call(verb: "GET" | "POST" | "DELETE", method: string, body?: unknown, suffix?: string): Promise<Response>;
}

function apiOn(server: ServerProcess, idInstance: number, token: string): Api {
  return {
    call: (verb, method, body, suffix = "") =>
      fetch(`${server.url}/waInstance${idInstance}/${method}/${token}${suffix}`, {
        method: verb,
        ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
      }),
  };
}

async function readyz(server: ServerProcess): Promise<{ ready: boolean; node: string; heldInstances: number | "all" }> {
  return (await fetch(`${server.url}/readyz`)).json() as Promise<{ ready: boolean; node: string; heldInstances: number | "all" }>;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("two nodes on one PostgreSQL database", () => {
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let onA: ConsoleClient;
  let onB: ConsoleClient;
  let idInstance = 0;
  let token = "";
  const linkedPhone = "79003000001";
  const friendPhone = "79003000002";

  // Through the console: the API's getStateInstance allows one call a second.
  const stateOn = async (server: ServerProcess) =>
    (
      await (server === nodeA ? onA : onB).expect<{ instance: { stateInstance: string } }>(
        "GET",
        `/api/console/instances/${idInstance}`,
        200,
      )
    ).instance.stateInstance;
  const friendsMessages = async (client: ConsoleClient) =>
    (
      await client.expect<{ messages: Array<{ idMessage: string; fromMe: boolean; text: string }> }>(
        "GET",
        `/api/sandbox/phones/${friendPhone}/chats/${linkedPhone}@c.us/messages`,
        200,
      )
    ).messages.filter((message) => !message.fromMe);

  beforeAll(async () => {
    // One after the other: the first migrates the database.
    nodeA = await startNode("node-a");
    nodeB = await startNode("node-b");
    onA = new ConsoleClient(nodeA.url);
    await onA.expect("POST", "/api/console/registration", 201, {
      email: `nodes-${randomBytes(4).toString("hex")}@example.com`,
      password: "violet-lantern-82-orbit",
      passwordRepeat: "violet-lantern-82-orbit",
      country: "DE",
      agreementAccepted: true,
      language: "en",
    });
    // The same session on the other node: sessions live in the shared database.
    onB = onA.moveTo(nodeB.url);
  }, 90_000);

  it("serves an instance made and linked on node A through node B", async () => {
    const { instance } = await onA.expect<{ instance: { idInstance: number } }>("POST", "/api/console/instances", 201, {
      name: "Two nodes",
    });
    idInstance = instance.idInstance;
    token = (await onA.expect<{ apiTokenInstance: string }>("GET", `/api/console/instances/${idInstance}/token`, 200)).apiTokenInstance;
    await onA.expect("POST", "/api/sandbox/phones", 200, { number: linkedPhone });
    await onA.expect("POST", "/api/sandbox/phones", 200, { number: friendPhone });
    const qr = await onA.expect<{ link: string }>("GET", `/api/console/instances/${idInstance}/qr`, 200);
    await onA.expect("POST", `/api/sandbox/phones/${linkedPhone}/link`, 200, { code: new URL(qr.link).searchParams.get("link") });
    await waitFor("the instance to be authorized on node B", 15_000, async () =>
      (await stateOn(nodeB)) === "authorized" ? true : undefined,
    );
    await sleep(1_000);
    // Only incoming messages notify, so that the long poll below waits for exactly one.
    expect((await apiOn(nodeB, idInstance, token).call("POST", "setSettings", { incomingWebhook: "yes" })).status).toBe(200);
    await waitFor("the restart after new settings", 15_000, async () => ((await stateOn(nodeA)) === "authorized" ? true : undefined));

    const sent = await apiOn(nodeB, idInstance, token).call("POST", "sendMessage", { chatId: `${friendPhone}@c.us`, message: "via B" });
    expect(sent.status).toBe(200);
    const { idMessage } = (await sent.json()) as { idMessage: string };
    const arrived = await waitFor("the message on the friend's phone", 15_000, async () =>
      (await friendsMessages(onA)).find((message) => message.idMessage === idMessage),
    );
    expect(arrived.text).toBe("via B");
  }, 60_000);

  it("wakes a long poll on node A within a second when node B stores a notification", async () => {
    const api = apiOn(nodeA, idInstance, token);
    const count = async () => ((await (await api.call("GET", "getWebhooksCount")).json()) as { count: number }).count;
    expect(await count()).toBe(0);
    const started = Date.now();
    const polling = api.call("GET", "receiveNotification", undefined, "?receiveTimeout=20");
    await sleep(500);
    // The friend's phone writes through node B: node B stores the incomingMessageReceived.
    await onB.expect("POST", `/api/sandbox/phones/${friendPhone}/messages`, 200, { chatId: `${linkedPhone}@c.us`, text: "to A's poll" });
    const storedAt = Date.now();
    const answer = (await (await polling).json()) as { receiptId: number; body: { typeWebhook: string; messageData: unknown } };
    const wokeAt = Date.now();
    expect(answer.body.typeWebhook).toBe("incomingMessageReceived");
    expect(wokeAt - storedAt).toBeLessThan(1_000);
    expect(wokeAt - started).toBeLessThan(20_000);
    expect((await api.call("DELETE", "deleteNotification", undefined, `/${answer.receiptId}`)).status).toBe(200);
  }, 30_000);

  it("holds the per-method rate limit for both nodes together", async () => {
    // checkWhatsapp allows 10 a second per instance: 30 requests in one second, split across the nodes.
    await sleep(1_000 - (Date.now() % 1_000) + 50);
    const requests = Array.from({ length: 30 }, (_, index) =>
      apiOn(index % 2 === 0 ? nodeA : nodeB, idInstance, token).call("POST", "checkWhatsapp", { phoneNumber: Number(friendPhone) }),
    );
    const statuses = (await Promise.all(requests)).map((response) => response.status);
    const allowed = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(allowed).toBeGreaterThanOrEqual(9);
    expect(allowed).toBeLessThanOrEqual(11);
  }, 30_000);

  it("moves the instance to the other node within 30 s when its node is killed mid-burst; every acknowledged message arrives once", async () => {
    const [stateA, stateB] = await Promise.all([readyz(nodeA), readyz(nodeB)]);
    const owner = stateA.heldInstances === 1 ? nodeA : nodeB;
    const survivor = owner === nodeA ? nodeB : nodeA;
    expect(owner === nodeA ? stateB.heldInstances : stateA.heldInstances).toBe(0);
    const survivorConsole = survivor === nodeA ? onA : onB;
    const api = apiOn(survivor, idInstance, token);
    const before = new Set((await friendsMessages(survivorConsole)).map((message) => message.idMessage));

    const acknowledged: string[] = [];
    let killedAt = 0;
    for (let index = 0; index < 30; index++) {
      const response = await api.call("POST", "sendMessage", { chatId: `${friendPhone}@c.us`, message: `burst ${index}` });
      expect(response.status).toBe(200);
      acknowledged.push(((await response.json()) as { idMessage: string }).idMessage);
      if (index === 9) {
        // Let the holder send a few first, then cut it off in the middle of the burst.
        await sleep(1_500);
        owner.child.kill("SIGKILL");
        await owner.exited;
        killedAt = Date.now();
      }
    }

    await waitFor("the survivor to hold the instance", 30_000, async () => {
      const state = await readyz(survivor);
      return state.heldInstances === 1 ? true : undefined;
    });
    expect(Date.now() - killedAt).toBeLessThan(30_000);

    const arrived = await waitFor("every acknowledged message on the phone", 60_000, async () => {
      const messages = (await friendsMessages(survivorConsole)).filter((message) => !before.has(message.idMessage));
      return messages.length >= acknowledged.length ? messages : undefined;
    });
    // A little longer, so that a late duplicate would show.
    await sleep(1_500);
    const final = (await friendsMessages(survivorConsole)).filter((message) => !before.has(message.idMessage));
    expect(final.map((message) => message.idMessage).sort()).toEqual([...acknowledged].sort());
    expect(arrived.length).toBe(acknowledged.length);
  }, 120_000);
});
