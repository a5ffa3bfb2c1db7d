import { beforeEach, describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { createManualClock } from '../clock.ts';
import {
  DEFAULT_RATE_LIMITS,
  type RateLimitGrant,
  type RateLimitKey,
  RateLimiter,
  type RateLimitResult,
  type RateLimitSettings,
} from './rate-limit.ts';

const alice = (limit: RateLimitKey['limit'] = 'default'): RateLimitKey => ({ clientId: 'alice', tenant: 'acme', limit });
const bob = (limit: RateLimitKey['limit'] = 'default'): RateLimitKey => ({ clientId: 'bob', tenant: 'acme', limit });

let clock: ReturnType<typeof createManualClock>;
const limiter = (settings: Partial<RateLimitSettings> = {}) => new RateLimiter(settings, clock.now);

function granted(result: RateLimitResult): RateLimitGrant {
  if (!result.ok) throw new Error(`expected a grant, got ${result.reason}`);
  return result;
}

/** Acquires `n` times and returns the grants (every one must be granted). */
function fill(rl: RateLimiter, key: RateLimitKey, n: number): RateLimitGrant[] {
  return Array.from({ length: n }, () => granted(rl.acquire(key)));
}

/** Acquires and releases at once, `n` times: uses tokens without holding slots. */
function spend(rl: RateLimiter, key: RateLimitKey, n: number): void {
  for (let i = 0; i < n; i++) granted(rl.acquire(key)).release();
}

beforeEach(() => {
  clock = createManualClock();
});

describe('RateLimiter: the token bucket', () => {
  it('grants 12,000 requests from a full bucket by default and counts the remaining tokens down', () => {
    const rl = limiter();
    expect(granted(rl.acquire(alice())).remaining).toBe(11_999);
    spend(rl, alice(), 11_998);
    const last = granted(rl.acquire(alice()));
    expect(last.remaining).toBe(0);
  });

  it('refuses with reason bucket and Retry-After equal to the wait until the next refill once the bucket is empty', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    expect(rl.acquire(alice())).toEqual({ ok: false, reason: 'bucket', retryAfterSeconds: 10 });
    clock.advance(2_500);
    expect(rl.acquire(alice())).toEqual({ ok: false, reason: 'bucket', retryAfterSeconds: 8 });
    clock.advance(7_000);
    expect(rl.acquire(alice())).toEqual({ ok: false, reason: 'bucket', retryAfterSeconds: 1 });
  });

  it('rounds Retry-After up to whole seconds and never answers 0', () => {
    const rl = limiter({ bucketCapacity: 1, refillTokens: 1, refillIntervalMs: 10_000 });
    granted(rl.acquire(alice())).release();
    clock.advance(9_999);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 1 });
    clock.advance(-5_400);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 6 });
  });

  it('adds 1,000 tokens at each 10-second boundary, in whole steps', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    clock.advance(9_999);
    expect(rl.acquire(alice()).ok).toBe(false);
    clock.advance(1);
    expect(rl.inspect('alice')?.tokens).toBe(1_000);
    spend(rl, alice(), 1_000);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 10 });
  });

  it('keeps the boundaries counted from the first request, not from the last refusal', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    clock.advance(25_000);
    expect(rl.inspect('alice')?.tokens).toBe(2_000);
    spend(rl, alice(), 2_000);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 5 });
  });

  it('refills a long-idle bucket to its capacity and no further', () => {
    const rl = limiter();
    spend(rl, alice(), 5_000);
    clock.advance(3_600_000);
    expect(rl.inspect('alice')?.tokens).toBe(12_000);
  });

  it('restores service after the refill', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    expect(rl.acquire(alice()).ok).toBe(false);
    clock.advance(10_000);
    expect(granted(rl.acquire(alice())).remaining).toBe(999);
  });

  it('keeps one bucket per API user', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    expect(rl.acquire(alice()).ok).toBe(false);
    expect(granted(rl.acquire(bob())).remaining).toBe(11_999);
  });

  it('charges high-traffic and batch requests to the bucket too', () => {
    const rl = limiter();
    granted(rl.acquire(alice('high-traffic'))).release();
    granted(rl.acquire(alice('batch'))).release();
    expect(rl.inspect('alice')?.tokens).toBe(11_998);
  });

  it('waits for as many steps as a request costs beyond the tokens left', () => {
    const rl = limiter({ bucketCapacity: 10, refillTokens: 2, refillIntervalMs: 1_000, requestCost: 5 });
    granted(rl.acquire(alice())).release();
    granted(rl.acquire(alice())).release();
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 3 });
  });

  it('restarts the refill step when the mock clock is shifted backwards', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    clock.advance(-60_000);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket', retryAfterSeconds: 10 });
    clock.advance(10_000);
    expect(rl.acquire(alice()).ok).toBe(true);
  });
});

describe('RateLimiter: requests in flight', () => {
  it('allows 20 requests in flight per API user and refuses the 21st with Retry-After 1', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    expect(rl.acquire(alice())).toEqual({ ok: false, reason: 'user-concurrency', retryAfterSeconds: 1 });
  });

  it('frees a slot when a request is released', () => {
    const rl = limiter();
    const [first] = fill(rl, alice(), 20);
    first?.release();
    expect(rl.acquire(alice()).ok).toBe(true);
    expect(rl.acquire(alice()).ok).toBe(false);
  });

  it('allows 40 requests in flight per tenant across its API users', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    fill(rl, bob(), 20);
    expect(rl.acquire({ clientId: 'carol', tenant: 'acme', limit: 'default' })).toEqual({
      ok: false,
      reason: 'tenant-concurrency',
      retryAfterSeconds: 1,
    });
    expect(rl.acquire({ clientId: 'dave', tenant: 'globex', limit: 'default' }).ok).toBe(true);
    expect(rl.tenantInFlight('acme')).toBe(40);
  });

  it('allows 4 batch requests in flight per API user', () => {
    const rl = limiter();
    fill(rl, alice('batch'), 4);
    expect(rl.acquire(alice('batch'))).toEqual({ ok: false, reason: 'batch-concurrency', retryAfterSeconds: 1 });
    expect(rl.acquire(alice()).ok).toBe(true);
    expect(rl.acquire(bob('batch')).ok).toBe(true);
  });

  it('counts batch requests toward the 20 per user', () => {
    const rl = limiter();
    fill(rl, alice('batch'), 4);
    fill(rl, alice(), 16);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'user-concurrency' });
    expect(rl.inspect('alice')).toMatchObject({ inFlight: 20, batchInFlight: 4 });
  });

  it('refuses a batch request for the user limit when the 20 are taken by other routes', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    expect(rl.acquire(alice('batch'))).toMatchObject({ reason: 'user-concurrency' });
  });

  it('allows 150 high-traffic reads in flight while the 20 are used by default routes', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    fill(rl, alice('high-traffic'), 150);
    expect(rl.acquire(alice('high-traffic'))).toEqual({ ok: false, reason: 'high-traffic-concurrency', retryAfterSeconds: 1 });
    expect(rl.acquire(alice())).toMatchObject({ reason: 'user-concurrency' });
  });

  it('keeps high-traffic reads out of the tenant limit', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    fill(rl, bob(), 20);
    expect(rl.acquire(alice('high-traffic')).ok).toBe(true);
    expect(rl.tenantInFlight('acme')).toBe(40);
  });

  it('frees a high-traffic slot on release', () => {
    const rl = limiter({ highTrafficConcurrency: 1 });
    const read = granted(rl.acquire(alice('high-traffic')));
    expect(rl.acquire(alice('high-traffic')).ok).toBe(false);
    read.release();
    expect(rl.acquire(alice('high-traffic')).ok).toBe(true);
  });

  it('reports an empty bucket before a full set of slots', () => {
    const rl = limiter({ bucketCapacity: 20 });
    fill(rl, alice(), 20);
    expect(rl.acquire(alice())).toMatchObject({ reason: 'bucket' });
  });
});

describe('RateLimiter: what a grant and a refusal cost', () => {
  it('makes release idempotent', () => {
    const rl = limiter();
    const [first, second] = fill(rl, alice('batch'), 2);
    first?.release();
    first?.release();
    first?.release();
    expect(rl.inspect('alice')).toMatchObject({ inFlight: 1, batchInFlight: 1 });
    expect(rl.tenantInFlight('acme')).toBe(1);
    second?.release();
    expect(rl.inspect('alice')).toMatchObject({ inFlight: 0, batchInFlight: 0 });
  });

  it('consumes neither a token nor a slot when refusing for concurrency', () => {
    const rl = limiter();
    fill(rl, alice(), 20);
    const before = rl.inspect('alice');
    for (let i = 0; i < 5; i++) expect(rl.acquire(alice()).ok).toBe(false);
    expect(rl.inspect('alice')).toEqual(before);
    expect(rl.tenantInFlight('acme')).toBe(20);
  });

  it('consumes no slot when refusing for an empty bucket', () => {
    const rl = limiter({ bucketCapacity: 3 });
    spend(rl, alice(), 3);
    expect(rl.acquire(alice('batch')).ok).toBe(false);
    expect(rl.inspect('alice')).toEqual({ tokens: 0, inFlight: 0, batchInFlight: 0, highTrafficInFlight: 0 });
    expect(rl.tenantInFlight('acme')).toBe(0);
  });

  it('consumes no token when refusing for the tenant limit', () => {
    const rl = limiter({ tenantConcurrency: 1 });
    granted(rl.acquire(bob()));
    expect(rl.acquire(alice())).toMatchObject({ reason: 'tenant-concurrency' });
    expect(rl.inspect('alice')?.tokens).toBe(12_000);
  });
});

describe('RateLimiter: exemptions and settings', () => {
  it('exempts the token endpoint from every limit', () => {
    const rl = limiter({ bucketCapacity: 1, userConcurrency: 1, tenantConcurrency: 1 });
    granted(rl.acquire(alice()));
    for (let i = 0; i < 100; i++) expect(rl.acquire(alice('none')).ok).toBe(true);
    expect(rl.inspect('alice')).toMatchObject({ tokens: 0, inFlight: 1 });
  });

  it('passes everything when disabled and counts nothing', () => {
    const rl = limiter({ enabled: false, bucketCapacity: 1, userConcurrency: 1 });
    for (let i = 0; i < 50; i++) {
      expect(rl.acquire(alice()).ok).toBe(true);
      expect(rl.acquire(alice('batch')).ok).toBe(true);
      expect(rl.acquire(alice('high-traffic')).ok).toBe(true);
    }
    expect(rl.inspect('alice')).toBeNull();
    expect(rl.headers('alice')).toBeNull();
  });

  it('fills missing settings from the defaults', () => {
    expect(limiter({ userConcurrency: 5 }).settings).toEqual({ ...DEFAULT_RATE_LIMITS, userConcurrency: 5 });
    expect(limiter({ userConcurrency: undefined }).settings).toEqual(DEFAULT_RATE_LIMITS);
  });

  it('takes Infinity as no limit for a concurrency setting', () => {
    const rl = limiter({ userConcurrency: Number.POSITIVE_INFINITY, tenantConcurrency: Number.POSITIVE_INFINITY });
    fill(rl, alice(), 500);
  });

  it('rejects a wrong setting with an error naming it', () => {
    const attempt = (s: Record<string, unknown>) => () => new RateLimiter(s as Partial<RateLimitSettings>, clock.now);
    expect(attempt({ bucketCapacity: 0 })).toThrow('bucketCapacity: expected a whole number ≥ 1');
    expect(attempt({ refillIntervalMs: 1.5 })).toThrow('refillIntervalMs: expected a whole number ≥ 1');
    expect(attempt({ batchConcurrency: -1 })).toThrow('batchConcurrency: expected a whole number ≥ 1 (or Infinity for no limit)');
    expect(attempt({ enabled: 'yes' })).toThrow('enabled: expected true or false');
    expect(attempt({ requestCost: 5, bucketCapacity: 4 })).toThrow('requestCost: expected no more than bucketCapacity');
    expect(attempt({ burst: 3 })).toThrow(GoliveError);
    expect(attempt({ burst: 3 })).toThrow('burst: not a rate-limit setting');
  });
});

describe('RateLimiter: reset', () => {
  it('gives one user a full bucket and empty slots, leaving the others alone', () => {
    const rl = limiter();
    spend(rl, alice(), 12_000);
    fill(rl, bob(), 20);
    rl.reset('alice');
    expect(granted(rl.acquire(alice())).remaining).toBe(11_999);
    expect(rl.acquire(bob()).ok).toBe(false);
  });

  it('lets grants from before a reset release without freeing slots taken after it', () => {
    const rl = limiter({ userConcurrency: 1 });
    const old = granted(rl.acquire(alice()));
    rl.reset();
    granted(rl.acquire(alice()));
    old.release();
    expect(rl.acquire(alice())).toMatchObject({ reason: 'user-concurrency' });
  });
});

describe('RateLimiter: IETF RateLimit headers', () => {
  it('offers no headers unless the headers setting is on', () => {
    expect(limiter().headers('alice')).toBeNull();
  });

  it('describes the bucket as a policy of 12,000 per 120 seconds', () => {
    const rl = limiter({ headers: true });
    expect(rl.headers('alice')).toEqual({ 'ratelimit-policy': '"burst";q=12000;w=120', ratelimit: '"burst";r=12000;t=0' });
  });

  it('reports the remaining tokens and the seconds until the next refill', () => {
    const rl = limiter({ headers: true });
    spend(rl, alice(), 12_000);
    clock.advance(3_000);
    expect(rl.headers('alice')?.ratelimit).toBe('"burst";r=0;t=7');
    clock.advance(7_000);
    expect(rl.headers('alice')?.ratelimit).toBe('"burst";r=1000;t=10');
  });
});
