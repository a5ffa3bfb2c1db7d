import { GoliveError } from '../../errors.ts';
import type { DeliveryRecord } from './delivery-log.ts';

/** Omnium's three retries: 1 s, 5 s and 15 s after the failed attempt (omnium-api.md A8). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 5000, 15_000];
/** Failures Omnium does not retry: the retry policy "does not apply" to them (A8). */
export const RETRY_EXEMPT_STATUSES: readonly number[] = [400, 404, 429];

/** What one attempt's result is judged on. */
type Result = Pick<DeliveryRecord, 'status' | 'timedOut'>;

/**
 * Whether Omnium retries after this result: timeouts, connection errors, 5xx and 4xx but 400, 404,
 * 429. A 3xx is not: the sender never follows a redirect, so a retry would get the same answer.
 */
export function isRetryable(result: Result): boolean {
  const { status } = result;
  if (result.timedOut || status === null) return true;
  if (status >= 500) return true;
  return status >= 400 && !RETRY_EXEMPT_STATUSES.includes(status);
}

/** A 2xx that arrived in time. */
export function isSuccess(result: Result): boolean {
  return !result.timedOut && result.status !== null && result.status >= 200 && result.status < 300;
}

/**
 * What follows an attempt: milliseconds until the next one, `'done'` (it succeeded, or a forced
 * retry has no delay left), or `'failed'` (a failure with no retry left: report it).
 */
export type RetryDecision = number | 'done' | 'failed';

/** Omnium's retry policy with the delays given; the sender does the waiting. */
export interface RetryPolicy {
  /**
   * What follows attempt number `attempt` (1-based) that ended in `result`. `force` asks for the
   * next attempt even after a success: the simulated-timeout redelivery sends twice whatever the
   * first send got.
   */
  after(attempt: number, result: Result, force?: boolean): RetryDecision;
}

/**
 * The retry policy: retry 1 waits `delaysMs[0]`, retry 2 `delaysMs[1]`…; no more retries than
 * delays. Throws `GOLIVE_ERR_CONFIG_INVALID` naming a delay that is not milliseconds ≥ 0.
 *
 * @example
 * createRetryPolicy().after(1, { status: 503, timedOut: false }); // 1000
 * createRetryPolicy().after(4, { status: 503, timedOut: false }); // 'failed'
 */
export function createRetryPolicy(delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS): RetryPolicy {
  // A copy, so a caller's later change to its array cannot alter the policy.
  const delays = [...delaysMs];
  delays.forEach((ms, i) => {
    if (!Number.isFinite(ms) || ms < 0) throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `retryDelaysMs.${i}: expected milliseconds ≥ 0`);
  });
  return {
    after(attempt, result, force = false) {
      const success = isSuccess(result);
      if (success && !force) return 'done';
      const delay = delays[attempt - 1];
      if ((force || isRetryable(result)) && delay !== undefined) return delay;
      return success ? 'done' : 'failed';
    },
  };
}
