// Waiting between retries. The guide on 429: "Back off and retry with exponential backoff
// and jitter." The checklist (errors.backoff-on-429) adds: honour Retry-After, and without
// it let successive waits grow.

import { setTimeout as delay } from 'node:timers/promises';

export const BASE_MS = 1000;
export const FACTOR = 2;
export const CAP_MS = 30_000;

/**
 * The wait before retry number `retry` (1 for the first retry).
 *
 * With jitter, the last quarter of each exponential step is random: waits fall in
 * 0.75–1 s, 1.5–2 s, 3–4 s… Full jitter (a random wait between 0 and the step) spreads
 * clients out just as well, but two draws in a row can shrink (0.9 s, then 0.2 s), so the
 * waits no longer visibly grow; with a quarter of jitter each wait is at least 1.5 times
 * the one before, and clients still do not retry in the same millisecond.
 */
export function backoffDelay(retry, { jitter = true, random = Math.random, baseMs = BASE_MS } = {}) {
  const step = Math.min(CAP_MS, baseMs * FACTOR ** (retry - 1));
  return jitter ? step * 0.75 + random() * step * 0.25 : step;
}

/**
 * Retry-After in milliseconds, or null when absent or unreadable. RFC 9110 §10.2.3 allows
 * both forms: a number of seconds ("2") and an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` after a 429. With Retry-After: that long (the server
 * said when it will have room again), plus a random extra of up to a quarter of it (at most
 * 1 s) so clients throttled at the same moment do not all come back in the same millisecond,
 * and never less than the first backoff step (a `Retry-After: 0` is no reason to hammer).
 * Without it: the exponential backoff above.
 */
export function delayAfter429(retry, retryAfterMs, { jitter = true, random = Math.random, baseMs = BASE_MS } = {}) {
  if (retryAfterMs === null) return backoffDelay(retry, { jitter, random, baseMs });
  const extra = jitter ? random() * Math.min(1000, retryAfterMs / 4) : 0;
  return Math.max(retryAfterMs + extra, backoffDelay(1, { jitter, random, baseMs }));
}

/** Sleeps `ms`; rejects at once with an AbortError when `signal` aborts (shutdown). */
export function sleep(ms, signal) {
  return delay(ms, undefined, { signal });
}
