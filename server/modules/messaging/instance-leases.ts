import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { Clock } from "../../clock.js";
import type { LeasesRepository } from "./leases.repository.js";

/** A lease lives this long without renewal: a dead node's instances are taken over within it plus a tick. */
export const LEASE_TTL_MS = 15_000;
export const LEASE_RENEW_EVERY_MS = 5_000;
/** Instances taken per tick: a node that starts beside busy ones does not grab everything at once. */
const CLAIM_BATCH = 500;

/** Proof that this node holds an instance: checked with every send and connector write. */
export interface Fence {
  node: string;
  epoch: number;
}

export interface LeaseChanges {
  acquired: Array<{ idInstance: number; epoch: number }>;
  lost: number[];
}

/**
 * Exactly one node at a time holds an instance's live connection and send loop. On
 * PostgreSQL each node claims and renews leases (owner node, epoch, expiry) in the database;
 * a node that dies stops renewing and another takes its instances over when they expire. The
 * epoch is a fencing token: a node that lost a lease cannot send or write connector state,
 * because those writes require its epoch. With SQLite there is one node and it owns everything.
 */
export class InstanceLeases {
  private readonly held = new Map<number, number>();
  /** Acquired, but its session is starting and its leftovers are being settled. */
  private readonly starting = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private lastRenewedAt = 0;
  private listener: ((changes: LeaseChanges) => Promise<void>) | undefined;

  constructor(
    private readonly deps: {
      /** Undefined on SQLite: one node owns every instance. */
      repository: LeasesRepository | undefined;
      nodeId: string;
      clock: Clock;
      log: Pick<FastifyBaseLogger, "info" | "error">;
    },
  ) {
    this.owner = `${deps.nodeId}#${randomBytes(3).toString("hex")}`;
  }

  get nodeId(): string {
    return this.deps.nodeId;
  }

  /**
   * Who holds a lease in the database: the node's name and a suffix of this process's own, so
   * that two processes given the same NODE_ID never renew each other's leases.
   */
  readonly owner: string;

  /** True when several nodes share the database and leases decide who does what. */
  get isClustered(): boolean {
    return this.deps.repository !== undefined;
  }

  /** Called after each tick with what this node gained and lost (connectors start and stop there). */
  onChange(listener: (changes: LeaseChanges) => Promise<void>): void {
    this.listener = listener;
  }

  /** The fence of an instance this node holds; undefined when it does not (or on one node: no fence needed). */
  fenceOf(idInstance: number): Fence | undefined | "not-held" {
    if (!this.isClustered) return undefined;
    const epoch = this.held.get(idInstance);
    // Until its session started and what the previous holder left was settled, nothing is sent.
    if (epoch === undefined || this.starting.has(idInstance)) return "not-held";
    return { node: this.owner, epoch };
  }

  holds(idInstance: number): boolean {
    return !this.isClustered || this.held.has(idInstance);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** Whether this node renews its leases on time (for /readyz): its last renewal has not yet run out. */
  get isRenewing(): boolean {
    return !this.isClustered || this.deps.clock.now() - this.lastRenewedAt < LEASE_TTL_MS;
  }

  /** Renews what this node holds and takes what nobody holds; overlapping calls share one pass. */
  tick(): Promise<void> {
    this.ticking ??= this.renewAndClaim().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async renewAndClaim(): Promise<void> {
    const repository = this.deps.repository;
    if (!repository) return;
    const now = this.deps.clock.now();
    const expiresAt = now + LEASE_TTL_MS;
    const renewed = await repository.renew(this.owner, now, expiresAt);
    const claimed = await repository.claimFree(this.owner, now, expiresAt, CLAIM_BATCH);
    this.lastRenewedAt = now;
    const next = new Map<number, number>();
    for (const lease of [...renewed, ...claimed]) next.set(lease.idInstance, lease.epoch);
    const lost = [...this.held.keys()].filter((id) => !next.has(id));
    const acquired = [...next].filter(([id, epoch]) => this.held.get(id) !== epoch).map(([idInstance, epoch]) => ({ idInstance, epoch }));
    this.held.clear();
    for (const [id, epoch] of next) this.held.set(id, epoch);
    if (acquired.length > 0 || lost.length > 0) {
      this.deps.log.info(
        { node: this.deps.nodeId, acquired: acquired.length, lost: lost.length, held: next.size },
        "instance leases changed",
      );
      for (const { idInstance } of acquired) this.starting.add(idInstance);
      try {
        await this.listener?.({ acquired, lost });
      } finally {
        for (const { idInstance } of acquired) this.starting.delete(idInstance);
      }
    }
  }

  /** Renews every period; resolves after the first pass, so that the node starts holding its share (never rejects). */
  start(): Promise<void> {
    if (!this.isClustered) return Promise.resolve();
    const run = () =>
      this.tick().catch((error: unknown) => this.deps.log.error({ err: error, node: this.deps.nodeId }, "lease renewal failed"));
    this.timer = setInterval(() => void run(), LEASE_RENEW_EVERY_MS);
    this.timer.unref();
    return run();
  }

  /**
   * Stops renewing, closes this node's sessions (the listener hears them lost) and then lets the
   * leases go, so that another node takes over at once without two live sessions overlapping.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // A failed last tick was logged where it ran; the leases must be let go all the same.
    await this.ticking?.catch(() => undefined);
    const lost = [...this.held.keys()];
    this.held.clear();
    try {
      if (lost.length > 0) await this.listener?.({ acquired: [], lost });
    } finally {
      if (this.deps.repository) await this.deps.repository.release(this.owner);
    }
  }
}
