import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createClient, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { SandboxRepository } from "./sandbox.repository.js";

let harness: TestApp;
beforeAll(async () => {
  harness = await buildTestApp();
});
afterAll(async () => {
  await harness.close();
});

describe("sandbox phones", () => {
  it("opens a phone by number, once, and lists nothing for a new phone", async () => {
    const { client } = await registerPerson(harness.app);
    const opened = await client.post("/api/sandbox/phones", { number: "79005550001" });
    expect(opened.json()).toEqual({ phone: { number: "79005550001", linkedInstances: [] } });
    expect((await client.post("/api/sandbox/phones", { number: "79005550001" })).statusCode).toBe(200);
    expect((await client.get("/api/sandbox/phones/79005550001/chats")).json()).toEqual({ chats: [] });
  });

  it.each(["+79005550001", "123", "7900555000100000", "phone"])("refuses the number %s", async (number) => {
    const { client } = await registerPerson(harness.app);
    const response = await client.post("/api/sandbox/phones", { number });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual({ number: "invalid" });
  });

  it("answers 404 for a phone nobody opened", async () => {
    const { client } = await registerPerson(harness.app);
    expect((await client.get("/api/sandbox/phones/79005559999")).statusCode).toBe(404);
    expect((await client.post("/api/sandbox/phones/79005559999/messages", { chatId: "79005550001@c.us", text: "hi" })).statusCode).toBe(
      404,
    );
  });

  it("lets two phones chat: delivered, then read when the other opens the chat", async () => {
    const { client } = await registerPerson(harness.app);
    await client.post("/api/sandbox/phones", { number: "79005550010" });
    await client.post("/api/sandbox/phones", { number: "79005550011" });
    const sent = await client.post("/api/sandbox/phones/79005550010/messages", { chatId: "79005550011@c.us", text: "Hi there" });
    expect(sent.json().message).toMatchObject({ fromMe: true, status: "delivered", text: "Hi there" });
    const chats = (await client.get("/api/sandbox/phones/79005550011/chats")).json().chats;
    expect(chats).toEqual([{ chatId: "79005550010@c.us", lastMessage: "Hi there", lastTimestamp: expect.any(Number), unread: 1 }]);
    await client.post("/api/sandbox/phones/79005550011/chats/79005550010@c.us/read", {});
    expect((await client.get("/api/sandbox/phones/79005550011/chats")).json().chats[0].unread).toBe(0);
    const mine = (await client.get("/api/sandbox/phones/79005550010/chats/79005550011@c.us/messages")).json().messages;
    expect(mine).toEqual([expect.objectContaining({ fromMe: true, status: "read" })]);
    const nobody = await client.post("/api/sandbox/phones/79005550010/messages", { chatId: "79005550099@c.us", text: "?" });
    expect(nobody.json().message.status).toBe("noAccount");
  });

  it("keeps a phone's screen to the account that opened it", async () => {
    const { client: owner } = await registerPerson(harness.app);
    const { client: other } = await registerPerson(harness.app);
    await owner.post("/api/sandbox/phones", { number: "79005550020" });
    await owner.post("/api/sandbox/phones", { number: "79005550021" });
    await owner.post("/api/sandbox/phones/79005550020/messages", { chatId: "79005550021@c.us", text: "private" });

    const taken = await other.post("/api/sandbox/phones", { number: "79005550020" });
    expect(taken.statusCode).toBe(400);
    expect(taken.json().fields).toEqual({ number: "number_taken" });
    const attempts = [
      other.get("/api/sandbox/phones/79005550020"),
      other.get("/api/sandbox/phones/79005550020/chats"),
      other.get("/api/sandbox/phones/79005550020/chats/79005550021@c.us/messages"),
      other.post("/api/sandbox/phones/79005550020/messages", { chatId: "79005550021@c.us", text: "spoof" }),
      other.post("/api/sandbox/phones/79005550021/chats/79005550020@c.us/read", {}),
      other.post("/api/sandbox/phones/79005550020/link", { code: "ABCDEFGH" }),
      other.request("DELETE", "/api/sandbox/phones/79005550020/links/1234567890"),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain("private");
    }
    // Messages between accounts still flow: the network is shared.
    await other.post("/api/sandbox/phones", { number: "79005550022" });
    const crossing = await other.post("/api/sandbox/phones/79005550022/messages", { chatId: "79005550020@c.us", text: "hello neighbour" });
    expect(crossing.json().message.status).toBe("delivered");
    expect((await owner.get("/api/sandbox/phones/79005550020/chats")).json().chats).toHaveLength(2);
  });

  it("is for signed-in console users only", async () => {
    const response = await createClient(harness.app).post("/api/sandbox/phones", { number: "79005550002" });
    expect(response.statusCode).toBe(401);
  });
});

describe("a message's copies", () => {
  it("are written together or not at all, and a phone keeps one copy however often it is sent", async () => {
    const sandbox = new SandboxRepository(harness.database.db);
    const copy = (id: string, idMessage: string, fromMe: 0 | 1) => ({
      id,
      phone_number: fromMe ? "79005550070" : "79005550071",
      peer_number: fromMe ? "79005550071" : "79005550070",
      id_message: idMessage,
      from_me: fromMe,
      type_message: "textMessage",
      text: "both or neither",
      status: fromMe ? "delivered" : null,
      is_read: fromMe,
      created_at: 1,
      file: null,
      is_edited: 0,
      is_deleted: 0,
      poll: null,
      my_vote: null,
    });
    await sandbox.addMessages([copy("copy-a", "FIRST", 1)]);
    // The recipient's copy fails (its id is taken): the sender's is not left behind alone.
    await expect(sandbox.addMessages([copy("copy-b", "SECOND", 1), copy("copy-a", "SECOND", 0)])).rejects.toThrow();
    expect(await sandbox.listCopies("SECOND")).toEqual([]);
    // Sent again: the sender keeps its first copy, the recipient gets its own.
    await sandbox.addMessages([copy("copy-c", "FIRST", 1), copy("copy-d", "FIRST", 0)]);
    expect((await sandbox.listCopies("FIRST")).map((row) => row.id).sort()).toEqual(["copy-a", "copy-d"]);
  });
});

describe("with SANDBOX=false", () => {
  it("serves no sandbox routes", async () => {
    const closed = await buildTestApp({ SANDBOX: "false" });
    try {
      const { client } = await registerPerson(closed.app);
      expect((await client.post("/api/sandbox/phones", { number: "79005550003" })).statusCode).toBe(404);
    } finally {
      await closed.close();
    }
  });
});
