import type { Clock } from '../clock.ts';

/**
 * Where the webhook sender puts what waits: retries and delayed redeliveries. Real timers in
 * production; tests inject `createManualScheduler()` and move time by hand (STYLE habit 6).
 */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers. */
export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A scheduler whose time moves only on `advance`: for tests. */
export interface ManualScheduler extends Scheduler {
  /** Milliseconds advanced since creation. */
  now(): number;
  /**
   * Moves time by `ms`, running every timer that falls due on the way, in due order (ties in
   * the order they were set). A timer set by a timer that runs is run too if it falls due in time.
   */
  advance(ms: number): void;
  /** The due times (scheduler time) of the timers still waiting, earliest first. */
  pending(): number[];
}

interface ManualTimer {
  readonly at: number;
  readonly order: number;
  readonly fn: () => void;
}

/**
 * A manual scheduler. With `clock`, `advance` shifts the clock by the same amount, so the
 * timestamps of what the timers do read as if the time had really passed.
 *
 * @example
 * const clock = createManualClock();
 * const scheduler = createManualScheduler({ clock });
 * scheduler.advance(1000); // runs the retry due after 1 s; clock.now() is 1 s later
 */
export function createManualScheduler(options: { clock?: Clock } = {}): ManualScheduler {
  let now = 0;
  let order = 0;
  const timers = new Set<ManualTimer>();
  const moveTo = (t: number) => {
    options.clock?.shift(t - now);
    now = t;
  };
  return {
    setTimeout(fn, ms) {
      const timer: ManualTimer = { at: now + Math.max(0, ms), order: order++, fn };
      timers.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers.delete(handle as ManualTimer);
    },
    now: () => now,
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: ManualTimer | undefined;
        for (const t of timers) {
          if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.order < next.order))) next = t;
        }
        if (!next) break;
        timers.delete(next);
        moveTo(next.at);
        next.fn();
      }
      moveTo(target);
    },
    pending: () => [...timers].sort((a, b) => a.at - b.at || a.order - b.order).map((t) => t.at),
  };
}
