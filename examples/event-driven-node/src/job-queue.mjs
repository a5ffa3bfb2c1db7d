// A small in-process job queue: jobs run one at a time (or `concurrency` at a time) in the
// order they were pushed. The webhook endpoint and the poll timer only push jobs; the work
// happens here, away from the HTTP request that announced it.
//
// Events: 'start' (job), 'done' (job, ms), 'failed' (job, error), 'idle' ().

import { EventEmitter } from 'node:events';

export class JobQueue extends EventEmitter {
  #waiting = [];
  #running = 0;
  #concurrency;
  #limit;
  #closed = false;

  constructor({ concurrency = 1, limit = 10_000 } = {}) {
    super();
    this.#concurrency = concurrency;
    this.#limit = limit;
  }

  /** Jobs waiting or running. */
  get size() {
    return this.#waiting.length + this.#running;
  }

  /**
   * Queues `run` under `name`. Resolves when the job has finished (whatever its outcome:
   * failures are reported through 'failed', never thrown at the pusher). Resolves false when
   * the queue is closed or full and the job was not taken.
   */
  push(name, run) {
    if (this.#closed || this.#waiting.length >= this.#limit) return Promise.resolve(false);
    return new Promise((settle) => {
      this.#waiting.push({ name, run, settle });
      this.#next();
    });
  }

  /** Takes no new jobs; waits for the running ones (which see the shutdown signal). */
  async close() {
    this.#closed = true;
    this.#waiting.splice(0).forEach((job) => job.settle(false));
    if (this.#running > 0) await new Promise((resolve) => this.once('idle', resolve));
  }

  #next() {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift();
      this.#running++;
      const started = Date.now();
      this.emit('start', job);
      Promise.resolve()
        .then(() => job.run())
        .then(
          () => this.emit('done', job, Date.now() - started),
          (error) => this.emit('failed', job, error),
        )
        .finally(() => {
          this.#running--;
          job.settle(true);
          if (this.size === 0) this.emit('idle');
          this.#next();
        });
    }
  }
}
