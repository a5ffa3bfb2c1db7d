// Waiting: Retry-After, exponential backoff with jitter, and sleeps that end on shutdown.

import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms`, or rejects at once when `signal` aborts (shutdown). */
export const sleep = (ms, signal) => delay(Math.max(0, ms), undefined, { signal });

/**
 * Retry-After (RFC 9110 §10.2.3): either delay-seconds or an HTTP date. Returns
 * milliseconds to wait, or undefined when absent or unreadable.
 */
export function retryAfterMs(value, now = Date.now()) {
  if (value == null) return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** "Equal jitter": half of the step fixed, half random, so a retry never comes at once. */
export function equalJitter(n, baseMs, capMs) {
  const step = Math.min(capMs, baseMs * 2 ** (n - 1));
  return step / 2 + Math.random() * (step / 2);
}

export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
