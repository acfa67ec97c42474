import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/**
 * GREEN-API's per-instance, per-method limits in requests a second: a fixed window per
 * clock second, as GREEN-API counts them (ADR 0010).
 */
export interface RateLimiter {
  /** Counts a request; false when it is over the limit. */
  allow(key: string, perSecond: number): boolean | Promise<boolean>;
  /** Lets go of the Redis connection, if there is one. */
  close(): Promise<void>;
}

/** Where a limiter reports that Redis went away or came back. */
export interface RateLimitLog {
  warn(details: object, message: string): void;
  info(message: string): void;
}

/**
 * One node: counted in this process's memory, the fastest path. With several nodes
 * behind a balancer, REDIS_URL makes them share the count (RedisRateLimiter below).
 */
export class PerSecondLimiter implements RateLimiter {
  /** This clock second's counts; the previous second's are dropped whole, so memory follows the active instances. */
  private counts = new Map<string, number>();
  private second = 0;

  constructor(private readonly now: () => number) {}

  /** Counts a request; false when it is over the limit. */
  allow(key: string, perSecond: number): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count <= perSecond;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The cluster's counts in Redis: `{prefix}:{idInstance}:{method}:{clock second}`. */
const DEFAULT_KEY_PREFIX = "switchboard:api-rps";
/** A second's count outlives its second a little, for nodes whose clocks differ slightly. */
const KEY_TTL_S = 2;
/** Far longer than a healthy answer; past it the request is counted in this process. */
const COMMAND_TIMEOUT_MS = 250;
/** After a failed command Redis is tried again this much later, so requests do not each wait for it. */
const RETRY_AFTER_MS = 1_000;
/** Start-up waits this long at most for Redis: the API starts either way. */
const CONNECT_WAIT_MS = 2_000;

export interface RateLimiterOptions {
  /** redis:// or rediss://; without it the count stays in this process. */
  redisUrl?: string | undefined;
  log: RateLimitLog;
  now?: () => number;
  /** Tests give each run a prefix of its own. */
  keyPrefix?: string;
}

/** The in-process limiter, or with a Redis URL one shared by every node that uses that Redis. */
export async function createRateLimiter(options: RateLimiterOptions): Promise<RateLimiter> {
  const now = options.now ?? (() => Date.now());
  if (!options.redisUrl) return new PerSecondLimiter(now);
  const redis = new Redis(options.redisUrl, {
    // While the connection is down, commands fail at once rather than queue: the in-process count answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Auto-pipelining stays off: it measured no faster (bench/README.md).
  });
  const limiter = new RedisRateLimiter(redis, now, options.keyPrefix ?? DEFAULT_KEY_PREFIX, options.log);
  await limiter.connected(CONNECT_WAIT_MS);
  return limiter;
}

/**
 * Counts shared by every node through Redis: one key per instance, method and clock second,
 * incremented atomically by rate-limiter-flexible's script. When Redis cannot be reached the
 * API stays up: this process counts on its own (the in-process limit) and logs it once.
 */
class RedisRateLimiter implements RateLimiter {
  /** A rate-limiter-flexible limiter has one limit: one per distinct requests-a-second value. */
  private readonly byLimit = new Map<number, RateLimiterRedis>();
  private readonly fallback: PerSecondLimiter;
  private isFallingBack = false;
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number,
    private readonly keyPrefix: string,
    private readonly log: RateLimitLog,
  ) {
    this.fallback = new PerSecondLimiter(now);
    redis.on("error", (error: Error) => this.markUnreachable(error));
    redis.on("ready", () => this.markReachable());
  }

  async allow(key: string, perSecond: number): Promise<boolean> {
    const now = this.now();
    if (this.redis.status !== "ready") return this.countAlone(key, perSecond, this.redis.status);
    if (now < this.retryAt) return this.fallback.allow(key, perSecond);
    try {
      await this.limiterFor(perSecond).consume(`${key}:${Math.floor(now / 1000)}`);
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      this.retryAt = this.now() + RETRY_AFTER_MS;
      return this.countAlone(key, perSecond, error);
    }
    if (this.isFallingBack) this.markReachable();
    return true;
  }

  /** Waits a little for the first connection, so that a starting node counts with the others at once. */
  async connected(waitMs: number): Promise<void> {
    if (this.redis.status !== "ready") {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.redis.off("ready", done).off("error", done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.redis.once("ready", done).once("error", done);
      });
    }
    if (this.redis.status !== "ready") this.markUnreachable(`not connected after ${waitMs} ms`);
  }

  async close(): Promise<void> {
    if (this.redis.status === "ready") await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private limiterFor(perSecond: number): RateLimiterRedis {
    let limiter = this.byLimit.get(perSecond);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keyPrefix,
        points: perSecond,
        // Only the key's lifetime: the window is the clock second in the key.
        duration: KEY_TTL_S,
        // Once a second's count is over, this node refuses the rest of that second without asking Redis.
        inMemoryBlockOnConsumed: perSecond + 1,
      });
      this.byLimit.set(perSecond, limiter);
    }
    return limiter;
  }

  private countAlone(key: string, perSecond: number, cause: unknown): boolean {
    this.markUnreachable(cause);
    return this.fallback.allow(key, perSecond);
  }

  private markUnreachable(cause: unknown): void {
    if (this.isFallingBack) return;
    this.isFallingBack = true;
    this.log.warn(
      cause instanceof Error ? { err: cause } : { reason: cause },
      "Redis unreachable: API rate limits are counted by this process alone until it answers again",
    );
  }

  private markReachable(): void {
    if (!this.isFallingBack) return;
    this.isFallingBack = false;
    this.retryAt = 0;
    this.log.info("Redis reachable again: API rate limits are shared by the cluster");
  }
}
