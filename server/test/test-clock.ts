import type { Clock } from "../clock.js";

/** A clock that stands still until a test moves it. */
export class TestClock implements Clock {
  private current: number;
  /** Every delay the server asked for, in order: tests read how much it slowed down. */
  readonly delays: number[] = [];
  constructor(start = Date.UTC(2026, 10, 27, 12, 0, 0)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
  /** Resolves at once: a test never waits for a deliberate slow-down, it only sees it asked for. */
  async delay(milliseconds: number): Promise<void> {
    this.delays.push(milliseconds);
  }
}
