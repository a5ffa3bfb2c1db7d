/**
 * The mock's sense of time. Token expiry, rate-limit buckets and webhook retries all
 * read it, so tests inject a fake one and trainers can shift it forward.
 */
export interface Clock {
  /** Milliseconds since the epoch, shift included. */
  now(): number;
  /** Moves the clock by `ms` (may be negative). */
  shift(ms: number): void;
}

/** A clock over `source` (default `Date.now`), shiftable. */
export function createClock(source: () => number = Date.now): Clock {
  let offset = 0;
  return {
    now: () => source() + offset,
    shift(ms) {
      offset += ms;
    },
  };
}

/** A clock that moves only when told: for tests. */
export function createManualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    shift(ms) {
      current += ms;
    },
    advance(ms) {
      current += ms;
    },
  };
}
