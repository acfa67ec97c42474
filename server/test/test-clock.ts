import type { Clock } from "../clock.js";

/** A clock that stands still until a test moves it. */
export class TestClock implements Clock {
  private current: number;
  constructor(start = Date.UTC(2026, 10, 27, 12, 0, 0)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
