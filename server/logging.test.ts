import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type TestApp } from "./test/build-test-app.js";
import { createInstance, type TestInstance } from "./test/instances.js";
import { redactApiToken } from "./logging.js";

const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef01";
const percentEncoded = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join("");

describe("redactApiToken", () => {
  it.each([
    ["a well-formed call", `/waInstance1101000001/sendMessage/${TOKEN}`, "/waInstance1101000001/sendMessage/[redacted]"],
    [
      "a receiptId after the token",
      `/waInstance1101000001/deleteNotification/${TOKEN}/12`,
      "/waInstance1101000001/deleteNotification/[redacted]/12",
    ],
    ["a doubled leading slash", `//waInstance1101000001/getSettings/${TOKEN}`, "//waInstance1101000001/getSettings/[redacted]"],
    ["a negative id", `/waInstance-1/getSettings/${TOKEN}`, "/waInstance-1/getSettings/[redacted]"],
    ["an encoded space in the id", `/waInstance%201101000001/getSettings/${TOKEN}`, "/waInstance%201101000001/getSettings/[redacted]"],
    ["a prefix before waInstance", `/api/waInstance1101000001/getSettings/${TOKEN}`, "/api/waInstance1101000001/getSettings/[redacted]"],
    ["an empty segment before the token", `/waInstance1101000001/getSettings//${TOKEN}`, "/waInstance1101000001/getSettings//[redacted]"],
    [
      "an empty segment before the method",
      `/waInstance1101000001//getSettings/${TOKEN}?x=1`,
      "/waInstance1101000001//getSettings/[redacted]?x=1",
    ],
    [
      "the token in the query",
      `/waInstance1101000001/getSettings?apiTokenInstance=${TOKEN}`,
      "/waInstance1101000001/getSettings?apiTokenInstance=[redacted]",
    ],
    [
      "a token parameter that is not hex",
      "/api/console/session?lang=en&token=short-secret&page=2",
      "/api/console/session?lang=en&token=[redacted]&page=2",
    ],
    [
      "a token parameter spelled otherwise",
      "/x?API_TOKEN_INSTANCE=abc&%61piTokenInstance=def",
      "/x?API_TOKEN_INSTANCE=[redacted]&%61piTokenInstance=[redacted]",
    ],
    ["the token where the method belongs", `/waInstance1101000001/${TOKEN}`, "/waInstance1101000001/[redacted]"],
    ["the token glued to the id", `/waInstance${TOKEN}/getSettings/x`, "/waInstan[redacted]/getSettings/[redacted]"],
    ["a file's link", "/media/Ab3_-xYz0123456789abcd.Q9_-wVu0123456789abcd/report.pdf", "/media/[redacted]/report.pdf"],
    [
      "a file's link quoted in a message",
      "Route GET:/media/Ab3_-xYz.Q9_-wVu/a.png not found",
      "Route GET:/media/[redacted]/a.png not found",
    ],
    ["an upper-case token anywhere", `/files/${TOKEN.toUpperCase()}.txt`, "/files/[redacted].txt"],
    ["a percent-encoded token", `/other/${percentEncoded(TOKEN)}`, "/other/[redacted]"],
    ["a twice-encoded token", `/other/${percentEncoded(TOKEN).replace(/%/g, "%25")}`, "/other/[redacted]"],
    ["a half-encoded token", `/other/${TOKEN.slice(0, 20)}${percentEncoded(TOKEN.slice(20)).toLowerCase()}`, "/other/[redacted]"],
  ])("hides the token in %s", (_shape, url, expected) => {
    expect(redactApiToken(url)).toBe(expected);
  });

  it("leaves ordinary URLs alone", () => {
    for (const url of [
      "/api/console/instances/1101000001/qr",
      "/api/sandbox/phones/79001234567/chats/79001234568@c.us/messages",
      "/waInstance1101000001/getSettings",
      "/user-agreement?lang=en",
      "/",
    ]) {
      expect(redactApiToken(url)).toBe(url);
    }
  });

  it("takes linear time on hostile input", () => {
    const started = performance.now();
    for (const url of [
      "/waInstance".repeat(2000),
      `/${"%25".repeat(5000)}x`,
      `/${"/".repeat(16_000)}`,
      `?${"token=a&".repeat(2000)}`,
      "a".repeat(31).concat("/").repeat(500),
    ]) {
      redactApiToken(url);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("request log lines", () => {
  let harness: TestApp;
  let instance: TestInstance;
  const logLines: string[] = [];
  beforeAll(async () => {
    harness = await buildTestApp({}, { logLines });
    const { client } = await registerPerson(harness.app);
    instance = await createInstance(client);
  });
  afterAll(async () => {
    await harness.close();
  });

  it("never hold the token, whatever shape the URL has, and keep the rest of the URL", async () => {
    const { idInstance, token } = instance;
    const shapes: Array<[string, string]> = [
      [`/waInstance${idInstance}/getSettings/${token}`, `/waInstance${idInstance}/getSettings/[redacted]`],
      [`//waInstance${idInstance}/getSettings/${token}`, `//waInstance${idInstance}/getSettings/[redacted]`],
      [`/waInstance-1/getSettings/${token}`, "/waInstance-1/getSettings/[redacted]"],
      [`/waInstance%20${idInstance}/getSettings/${token}`, `/waInstance%20${idInstance}/getSettings/[redacted]`],
      [`/api/waInstance${idInstance}/getSettings/${token}`, `/api/waInstance${idInstance}/getSettings/[redacted]`],
      [`/waInstance${idInstance}/getSettings//${token}`, `/waInstance${idInstance}/getSettings//[redacted]`],
      [
        `/waInstance${idInstance}/getSettings?apiTokenInstance=${token}`,
        `/waInstance${idInstance}/getSettings?apiTokenInstance=[redacted]`,
      ],
      [`/api/console/session?token=${token}`, "/api/console/session?token=[redacted]"],
      [`/waInstance${idInstance}/getSettings/${percentEncoded(token)}`, `/waInstance${idInstance}/getSettings/[redacted]`],
      [`/waInstance${idInstance}/getSettings/${token.toUpperCase()}`, `/waInstance${idInstance}/getSettings/[redacted]`],
    ];
    const normal = await harness.app.inject({ method: "GET", url: shapes[0]![0] });
    expect(normal.statusCode).toBe(200);
    // Fastify decodes the path: the encoded token is a working call, too.
    expect((await harness.app.inject({ method: "GET", url: shapes[8]![0] })).statusCode).toBe(200);
    for (const [url] of shapes.slice(1)) await harness.app.inject({ method: "GET", url });
    harness.app.log.info(`Route GET:${shapes[1]![0]} not found`);

    const log = logLines.join("");
    for (const [, redacted] of shapes) expect(log).toContain(`"url":"${redacted}"`);
    expect(log).toContain(`Route GET://waInstance${idInstance}/getSettings/[redacted] not found`);
    expect(log.toLowerCase()).not.toContain(token);
    expect(log.toLowerCase()).not.toContain(percentEncoded(token).toLowerCase());
    expect(log.toLowerCase()).not.toContain(token.slice(0, 32));
  });
});
