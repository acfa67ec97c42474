/**
 * GREEN-API's per-instance, per-method limits in requests a second. Counted in
 * this process's memory: a second is too short to share through the database,
 * so with several nodes behind a balancer each node applies the limit on its own.
 */
export class PerSecondLimiter {
  private windows = new Map<string, { second: number; count: number }>();
  private sweptAt = 0;

  constructor(private readonly now: () => number) {}

  /** Counts a request; false when it is over the limit. */
  allow(key: string, perSecond: number): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.sweptAt) this.sweep(second);
    const window = this.windows.get(key);
    if (!window || window.second !== second) {
      this.windows.set(key, { second, count: 1 });
      return true;
    }
    window.count++;
    return window.count <= perSecond;
  }

  /** Old windows are dropped once a second, so memory follows the active instances only. */
  private sweep(second: number): void {
    this.sweptAt = second;
    for (const [key, window] of this.windows) if (window.second < second) this.windows.delete(key);
  }
}
