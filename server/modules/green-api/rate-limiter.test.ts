import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../config.js";
import { buildTestApp, registerPerson, type TestApp } from "../../test/build-test-app.js";
import { callApi, createInstance, type TestInstance } from "../../test/instances.js";
import { freePort } from "../../test/server-process.js";
import { TestClock } from "../../test/test-clock.js";
import { createRateLimiter, PerSecondLimiter, type RateLimiter, type RateLimitLog } from "./rate-limiter.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Both server projects run this file at once against one Redis: every run counts under keys of its own. */
const uniquePrefix = () => `switchboard-test:${randomBytes(6).toString("hex")}`;

function recordingLog(): RateLimitLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_details, message) => lines.push(`warn: ${message}`), info: (message) => lines.push(`info: ${message}`) };
}

const opened: RateLimiter[] = [];
/** A node's limiter; closed after each test. */
async function node(options: { clock?: TestClock; keyPrefix?: string; redisUrl?: string; log?: RateLimitLog }): Promise<RateLimiter> {
  const clock = options.clock;
  const limiter = await createRateLimiter({
    redisUrl: options.redisUrl ?? REDIS_URL,
    log: options.log ?? recordingLog(),
    ...(clock ? { now: () => clock.now() } : {}),
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
  });
  opened.push(limiter);
  return limiter;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((limiter) => limiter.close()));
});

/** Asks at once, alternating between the nodes as a balancer would; counts the yeses. */
async function allowed(nodes: RateLimiter[], key: string, perSecond: number, count: number): Promise<number> {
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => nodes[i % nodes.length]!.allow(key, perSecond)));
  return answers.filter(Boolean).length;
}

/** The start of a clock second, so that tests place requests within it by hand. */
const SECOND_START = Date.UTC(2026, 10, 27, 12, 0, 0);

describe("the in-process limiter (one node)", () => {
  it("allows a method's requests a second per key, then refuses until the next clock second", () => {
    const clock = new TestClock(SECOND_START);
    const limiter = new PerSecondLimiter(() => clock.now());
    expect(limiter.allow("1:getStateInstance", 1)).toBe(true);
    expect(limiter.allow("1:getStateInstance", 1)).toBe(false);
    expect(limiter.allow("1:getSettings", 1)).toBe(true);
    expect(limiter.allow("2:getStateInstance", 1)).toBe(true);
    clock.advance(999);
    expect(limiter.allow("1:getStateInstance", 1)).toBe(false);
    clock.advance(1);
    expect(limiter.allow("1:getStateInstance", 1)).toBe(true);
    for (let i = 0; i < 50; i++) expect(limiter.allow("1:sendMessage", 50)).toBe(true);
    expect(limiter.allow("1:sendMessage", 50)).toBe(false);
  });

  it("counts each process alone: two nodes without Redis allow twice the limit", () => {
    const clock = new TestClock(SECOND_START);
    const nodes = [new PerSecondLimiter(() => clock.now()), new PerSecondLimiter(() => clock.now())];
    const answers = Array.from({ length: 150 }, (_, i) => nodes[i % 2]!.allow("1:sendMessage", 50));
    expect(answers.filter(Boolean)).toHaveLength(100);
  });
});

describe("the Redis limiter (several nodes)", () => {
  it("holds a method's limit for two nodes together, second after second", async () => {
    const clock = new TestClock(SECOND_START);
    const keyPrefix = uniquePrefix();
    const nodes = [await node({ clock, keyPrefix }), await node({ clock, keyPrefix })];
    for (const perSecond of [50, 10, 1]) {
      const key = `1101000001:method${perSecond}`;
      const perSecondAllowed: number[] = [];
      for (let second = 0; second < 4; second++) {
        // Three times the limit, spread over the second in ten waves across both nodes.
        let count = 0;
        for (let wave = 0; wave < 10; wave++) {
          count += await allowed(nodes, key, perSecond, Math.ceil((3 * perSecond) / 10) + 1);
          clock.advance(100);
        }
        perSecondAllowed.push(count);
      }
      for (const count of perSecondAllowed) expect(Math.abs(count - perSecond)).toBeLessThanOrEqual(perSecond * 0.1);
      // The count is shared, not split: it is exact.
      expect(perSecondAllowed).toEqual([perSecond, perSecond, perSecond, perSecond]);
    }
  });

  it("counts by clock second, so a second's boundary lets through one second's worth on each side, no more", async () => {
    const clock = new TestClock(SECOND_START + 998);
    const keyPrefix = uniquePrefix();
    const nodes = [await node({ clock, keyPrefix }), await node({ clock, keyPrefix })];
    expect(await allowed(nodes, "1:sendMessage", 50, 40)).toBe(40);
    clock.advance(1);
    expect(await allowed(nodes, "1:sendMessage", 50, 40)).toBe(10);
    clock.advance(1);
    expect(await allowed(nodes, "1:sendMessage", 50, 80)).toBe(50);
    clock.advance(998);
    expect(await allowed(nodes, "1:sendMessage", 50, 10)).toBe(0);
  });

  it("keeps instances, methods and key prefixes apart", async () => {
    const clock = new TestClock(SECOND_START);
    const keyPrefix = uniquePrefix();
    const [first, second] = [await node({ clock, keyPrefix }), await node({ clock, keyPrefix })];
    expect(await first!.allow("1101000001:getStateInstance", 1)).toBe(true);
    expect(await second!.allow("1101000001:getStateInstance", 1)).toBe(false);
    expect(await second!.allow("1101000001:getSettings", 1)).toBe(true);
    expect(await second!.allow("1101000002:getStateInstance", 1)).toBe(true);
    expect(await allowed([first!, second!], "1101000001:qr", 3, 5)).toBe(3);
    const elsewhere = await node({ clock, keyPrefix: uniquePrefix() });
    expect(await elsewhere.allow("1101000001:getStateInstance", 1)).toBe(true);
  });
});

/** A TCP relay to Redis that a test can cut or freeze, as a failing network or a stuck Redis would. */
async function startRelay() {
  const target = new URL(REDIS_URL);
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let server: net.Server | undefined;
  const listen = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      if (frozen) client.pause();
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    /** The connection drops and nothing answers on the port. */
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: listen,
    /** Connected, but no answer comes (requests wait in the socket's buffers). */
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("when Redis cannot be reached, the API stays up and each process counts alone", () => {
  it("starts without Redis at once, counts in process and says so once", async () => {
    const clock = new TestClock(SECOND_START);
    const log = recordingLog();
    const started = Date.now();
    const limiter = await node({ clock, redisUrl: `redis://127.0.0.1:${await freePort()}`, log });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await allowed([limiter], "1:sendMessage", 50, 60)).toBe(50);
    clock.advance(1_000);
    expect(await allowed([limiter], "1:sendMessage", 50, 60)).toBe(50);
    expect(log.lines).toEqual(["warn: Redis unreachable: API rate limits are counted by this process alone until it answers again"]);
  });

  it("falls back when the connection drops, and shares the count again once Redis is back", async () => {
    const relay = await startRelay();
    try {
      const clock = new TestClock(SECOND_START);
      const keyPrefix = uniquePrefix();
      const log = recordingLog();
      const cut = await node({ clock, keyPrefix, redisUrl: relay.url, log });
      const other = await node({ clock, keyPrefix });
      expect(await other.allow("1:getStateInstance", 1)).toBe(true);
      expect(await cut.allow("1:getStateInstance", 1)).toBe(false);

      await relay.cut();
      await until(() => log.lines.length > 0, 2_000);
      clock.advance(1_000);
      expect(await other.allow("1:getStateInstance", 1)).toBe(true);
      // Alone, the cut-off node allows its own one a second.
      expect(await cut.allow("1:getStateInstance", 1)).toBe(true);
      expect(await cut.allow("1:getStateInstance", 1)).toBe(false);

      await relay.restore();
      await until(() => log.lines.length > 1, 10_000);
      expect(log.lines).toEqual([
        "warn: Redis unreachable: API rate limits are counted by this process alone until it answers again",
        "info: Redis reachable again: API rate limits are shared by the cluster",
      ]);
      clock.advance(1_000);
      expect(await other.allow("1:getStateInstance", 1)).toBe(true);
      expect(await cut.allow("1:getStateInstance", 1)).toBe(false);
    } finally {
      await relay.close();
    }
  });

  it("refuses the rest of a second that is over its limit without asking Redis", async () => {
    const relay = await startRelay();
    try {
      const clock = new TestClock(SECOND_START);
      const log = recordingLog();
      const limiter = await node({ clock, keyPrefix: uniquePrefix(), redisUrl: relay.url, log });
      expect(await allowed([limiter], "1:sendMessage", 50, 51)).toBe(50);
      relay.freeze();
      const started = Date.now();
      expect(await allowed([limiter], "1:sendMessage", 50, 20)).toBe(0);
      expect(Date.now() - started).toBeLessThan(100);
      expect(log.lines).toEqual([]);
    } finally {
      relay.thaw();
      await relay.close();
    }
  });

  it("answers within a quarter second when Redis stops answering, then does not wait for it", async () => {
    const relay = await startRelay();
    try {
      const clock = new TestClock(SECOND_START);
      const keyPrefix = uniquePrefix();
      const log = recordingLog();
      const stuck = await node({ clock, keyPrefix, redisUrl: relay.url, log });
      expect(await stuck.allow("1:sendMessage", 50)).toBe(true);

      relay.freeze();
      let started = Date.now();
      expect(await stuck.allow("1:sendMessage", 50)).toBe(true);
      expect(Date.now() - started).toBeLessThan(600);
      expect(log.lines).toEqual(["warn: Redis unreachable: API rate limits are counted by this process alone until it answers again"]);
      started = Date.now();
      expect(await allowed([stuck], "1:sendMessage", 50, 60)).toBe(49);
      expect(Date.now() - started).toBeLessThan(100);

      relay.thaw();
      clock.advance(1_000);
      expect(await stuck.allow("1:sendMessage", 50)).toBe(true);
      expect(log.lines.at(-1)).toBe("info: Redis reachable again: API rate limits are shared by the cluster");
    } finally {
      await relay.close();
    }
  });
});

/** Runs checks inside one clock second of the real clock, which the app's limiter reads. */
async function withinOneSecond(checks: () => Promise<void>): Promise<void> {
  const left = 1_000 - (Date.now() % 1_000);
  if (left < 600) await new Promise((resolve) => setTimeout(resolve, left + 5));
  const second = Math.floor(Date.now() / 1_000);
  await checks();
  expect(Math.floor(Date.now() / 1_000), "the checks ran past their second").toBe(second);
}

describe("the API with REDIS_URL", () => {
  let harness: TestApp;
  let first: TestInstance;
  let second: TestInstance;
  beforeAll(async () => {
    harness = await buildTestApp({ API_RATE_LIMITS: "true", REDIS_URL });
    const { client } = await registerPerson(harness.app);
    first = await createInstance(client);
    second = await createInstance(client);
  });
  afterAll(async () => {
    await harness.close();
  });

  it("answers 429 when another node has used the second's requests, and its own requests count for the others", async () => {
    // Another node: the same Redis and the app's key prefix, the real clock.
    const other = await node({});
    await withinOneSecond(async () => {
      expect(await other.allow(`${first.idInstance}:getStateInstance`, 1)).toBe(true);
      const refused = await callApi(harness.app, first, "GET", "getStateInstance");
      expect(refused.statusCode).toBe(429);
      expect(refused.body).toBe("Too Many Requests");
      expect((await callApi(harness.app, first, "GET", "getSettings")).statusCode).toBe(200);

      expect((await callApi(harness.app, second, "GET", "getStateInstance")).statusCode).toBe(200);
      expect(await other.allow(`${second.idInstance}:getStateInstance`, 1)).toBe(false);
    });
  });

  it("keeps answering, with limits counted in process, when Redis is unreachable", async () => {
    const logLines: string[] = [];
    const alone = await buildTestApp({ API_RATE_LIMITS: "true", REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { logLines });
    try {
      const { client } = await registerPerson(alone.app);
      const instance = await createInstance(client);
      await withinOneSecond(async () => {
        expect((await callApi(alone.app, instance, "GET", "getStateInstance")).statusCode).toBe(200);
        expect((await callApi(alone.app, instance, "GET", "getStateInstance")).statusCode).toBe(429);
      });
      expect(logLines.some((line) => line.includes('"level":40') && line.includes("Redis unreachable"))).toBe(true);
    } finally {
      await alone.close();
    }
  });

  it("takes REDIS_URL as a redis:// or rediss:// URL and names it when wrong", () => {
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadConfig({ REDIS_URL: "rediss://:secret@redis.example.com:6380/1" }).redisUrl).toBe(
      "rediss://:secret@redis.example.com:6380/1",
    );
    expect(loadConfig({}).redisUrl).toBeUndefined();
    for (const wrong of ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"]) {
      expect(() => loadConfig({ REDIS_URL: wrong })).toThrow(ConfigError);
      expect(() => loadConfig({ REDIS_URL: wrong })).toThrow(/REDIS_URL: /);
    }
  });
});
