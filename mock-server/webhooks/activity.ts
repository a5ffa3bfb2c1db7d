import type { Scheduler } from './scheduler.ts';

const NOOP = () => {};

/**
 * What the sender has under way: sends in flight, and waits on the scheduler (retries, delayed
 * redeliveries). `drain` and `idle` resolve on it, so tests wait for the sender instead of
 * sleeping; `stop` drops the waits when the sender closes.
 */
export class Activity {
  readonly #scheduler: Scheduler;
  #inFlight = 0;
  /** Scheduled waits by handle, with what to do if they are dropped before they run. */
  readonly #timers = new Map<unknown, () => void>();
  #drainWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  /** A send started: `drain` and `idle` wait until its `end`. */
  begin(): void {
    this.#inFlight++;
  }

  end(): void {
    this.#inFlight--;
    this.#settle();
  }

  /**
   * Runs `run` after `ms` on the scheduler, counted by `idle` until it has run. If `stop` comes
   * first, `onDrop` runs instead (a delayed redelivery resolves its caller with no records).
   */
  schedule(ms: number, run: () => void, onDrop: () => void = NOOP): void {
    const handle: unknown = this.#scheduler.setTimeout(() => {
      this.#timers.delete(handle);
      if (!this.#stopped) run();
      this.#settle();
    }, ms);
    this.#timers.set(handle, onDrop);
  }

  /** Sends in flight and waits on the scheduler. */
  pending(): { inFlight: number; scheduled: number } {
    return { inFlight: this.#inFlight, scheduled: this.#timers.size };
  }

  /** Resolves when no send is in flight; scheduled waits may remain. */
  drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Resolves when no send is in flight and nothing waits on the scheduler. */
  idle(): Promise<void> {
    if (this.#inFlight === 0 && this.#timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops every scheduled wait, running its `onDrop`; sends in flight are the caller's to end. */
  stop(): void {
    this.#stopped = true;
    for (const [handle, onDrop] of this.#timers) {
      this.#scheduler.clearTimeout(handle);
      onDrop();
    }
    this.#timers.clear();
    this.#settle();
  }

  #settle(): void {
    if (this.#inFlight !== 0) return;
    if (this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
    if (this.#timers.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
