// The emulator's notion of "now". Timestamps on objects and the 24-hour
// idempotency window follow this clock, so tests can move time without waiting.

export interface EmulatorClock {
  now(): Date;
  /** Whole seconds since the epoch, as Stripe timestamps are. */
  unixNow(): number;
  /** Moves emulated time forward (or back, with a negative value). */
  advance(ms: number): void;
  /** Resets any advance; the base clock is kept. */
  reset(): void;
  /** How far emulated time is ahead of the base clock (kept across restarts with the emulator's state). */
  offsetMs(): number;
}

export function createClock(base: () => Date = () => new Date(), initialOffsetMs = 0): EmulatorClock {
  let offsetMs = initialOffsetMs;
  const now = (): Date => new Date(base().getTime() + offsetMs);
  return {
    now,
    unixNow: () => Math.floor(now().getTime() / 1000),
    advance: (ms) => {
      offsetMs += ms;
    },
    reset: () => {
      offsetMs = 0;
    },
    offsetMs: () => offsetMs,
  };
}
