/** Time as the server sees it; tests pass a clock they can move forward. */
export interface Clock {
  now(): number;
  /** Waits this long before going on (a deliberate slow-down, never a poll). */
  delay(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  delay: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};
