import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../mock-server/index.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { TOUR_FAST, tour } from '../../../scenarios/tour.ts';
import { ENDPOINTS, type JournalBuilder, TEST_CLIENT, journal, monoAt } from '../../checks/test/journal.ts';
import { delivery } from '../../checks/test/webhooks.ts';
import {
  type Window,
  behaviourOf,
  judgeDeactivation,
  judgeDuplicate,
  judgeFaults,
  judgeForbidden,
  judgeRateLimit,
  judgeRecovery,
  judgeRotation,
  judgeTokens,
  seconds,
  trafficFacts,
} from './behaviours.ts';

/** The window from `from` to `to` seconds into the crafted run. */
const between = (from: number, to: number): Window => ({ startMono: monoAt(from), endMono: monoAt(to) });

/** A call answered 429 (by a storm's fault rule), with `retryAfter` seconds or none. */
function throttled(j: JournalBuilder, at: number, token: JournalEntry, retryAfter: string | null): JournalEntry {
  return Object.assign(j.apiCall({ at, token, status: 429 }), { retryAfter, fault: { id: 'storm', kind: 'status 429' } });
}

describe('behaviourOf', () => {
  it('names what each phase of the tour provokes', () => {
    expect(tour(TOUR_FAST).phases.map(behaviourOf)).toEqual(['steady', 'tokens', 'rate-limit', 'deactivation', 'duplicate-webhook', 'recovery']);
  });

  it('reads a withdrawn role, a rotation and network faults from the shipped scenarios', () => {
    const of = (name: string, phase: string) => behaviourOf(SCENARIOS.find((s) => s.name === name)!.phases.find((p) => p.name === phase)!);
    expect(of('missing-role', 'role-withdrawn')).toBe('forbidden');
    expect(of('scope-violation', 'narrowed')).toBe('forbidden');
    expect(of('secret-rotation', 'rotation')).toBe('rotation');
    expect(of('flaky-network', 'flaky')).toBe('faults');
    expect(of('tls-mitm', 'expired')).toBe('faults');
    expect(of('tls-mitm', 'restored')).toBe('recovery');
    expect(of('revoked-token', 'revoked')).toBe('tokens');
  });
});

describe('trafficFacts', () => {
  it('counts the calls, token requests, statuses and the median gap within the window only', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(4, { from: 2, every: 0.5, token });
    j.apiCall({ at: 4, token, status: 503 });
    j.apiCall({ at: 9, token });
    const f = trafficFacts(j.entries, between(1.5, 5));
    expect(f).toMatchObject({ requests: 5, calls: 5, tokenRequests: 0, callsOk: 4, statuses: { 200: 4, 503: 1 }, medianGapMs: 500, durationMs: 3500 });
  });
});

describe('judgeTokens', () => {
  it('fails a client that asks for a new token for every call, though it never sends an expired one', () => {
    const j = journal();
    for (let i = 0; i < 8; i++) j.apiCall({ at: 2 + i + 0.05, token: j.tokenRequest({ at: 2 + i, lifetimeSeconds: 4 }) });
    const v = judgeTokens(j.entries, between(1.5, 11));
    expect(v.verdict).toBe('fail');
    expect(v.summary).toContain('8 token requests for 8 calls');
  });

  it('fails a client that presents an expired token', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1, lifetimeSeconds: 4 });
    j.apiCalls(6, { from: 2, every: 1, token });
    j.apiCall({ at: 8, token, expired: true });
    expect(judgeTokens(j.entries, between(1.5, 9))).toMatchObject({ verdict: 'fail', summary: expect.stringContaining('1 call with an expired token') });
  });

  it('passes a client that reuses its token and renews it before it expires, after one 401 for the revocation', () => {
    const j = journal();
    const old = j.tokenRequest({ at: 0.5 });
    j.apiCall({ at: 2, token: old, status: 401, denied: 'token revoked' });
    const first = j.tokenRequest({ at: 2.1, lifetimeSeconds: 4 });
    j.apiCalls(6, { from: 2.2, every: 0.4, token: first });
    const second = j.tokenRequest({ at: 4.6, lifetimeSeconds: 4 });
    j.apiCalls(6, { from: 4.7, every: 0.4, token: second });
    const v = judgeTokens(j.entries, between(1.5, 8));
    expect(v.verdict).toBe('pass');
    expect(v.summary).toBe('2 token requests for 13 calls, none sent expired; after the revocation 1 call answered 401, then it renewed');
  });

  it('has nothing to judge without a call', () => {
    expect(judgeTokens([], between(0, 5)).verdict).toBe('not-seen');
  });
});

describe('judgeRateLimit', () => {
  it('fails a client that retries at once, whatever Retry-After says', () => {
    const j = journal();
    for (let i = 0; i < 40; i++) {
      const token = j.tokenRequest({ at: 2 + i * 0.01 });
      throttled(j, 2.005 + i * 0.01, token, '1');
    }
    const v = judgeRateLimit(j.entries, between(1.5, 7));
    expect(v.verdict).toBe('fail');
    expect(v.summary).toMatch(/^80 requests in 5\.5 s, 40 answered 429, median gap 5 ms; 39 of 39 retries came before the 1\.0 s Retry-After$/);
    expect(v.why).toContain('blocked');
  });

  it('passes a client that waits at least as long as Retry-After, with growing waits', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    throttled(j, 2, token, '1');
    throttled(j, 3.2, token, '1');
    throttled(j, 4.8, token, '1');
    j.apiCall({ at: 8.2, token });
    const v = judgeRateLimit(j.entries, between(1.5, 7));
    expect(v.verdict).toBe('pass');
    expect(v.summary).toBe('3 requests in 5.5 s, 3 answered 429; waits 1.2 s → 1.6 s → 3.4 s, never before Retry-After (1.0 s)');
  });

  it('fails waits that do not grow when no Retry-After is sent', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (const at of [2, 2.5, 3, 3.5, 4]) throttled(j, at, token, null);
    expect(judgeRateLimit(j.entries, between(1.5, 5))).toMatchObject({ verdict: 'fail', summary: expect.stringContaining('did not grow') });
  });

  it('has nothing to judge when no 429 reached the client', () => {
    const j = journal();
    j.apiCalls(3, { from: 2, every: 1, token: j.tokenRequest({ at: 1 }) });
    expect(judgeRateLimit(j.entries, between(1.5, 5)).verdict).toBe('not-seen');
  });
});

describe('judgeDeactivation', () => {
  it('fails a client that keeps asking for tokens after the first 401', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, status: 401, denied: 'API user deactivated' });
    for (let i = 0; i < 50; i++) j.tokenRequest({ at: 2.1 + i * 0.05, status: 401 });
    const v = judgeDeactivation(j.entries, between(1.5, 7));
    expect(v.verdict).toBe('fail');
    expect(v.summary).toMatch(/^kept trying: 50 token requests in 5\.0 s after the first 401 \(10 a second\)$/);
  });

  it('passes a client that tries to renew once, then pauses', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, status: 401, denied: 'API user deactivated' });
    j.tokenRequest({ at: 2.05, status: 401 });
    j.tokenRequest({ at: 5.05, status: 401 });
    expect(judgeDeactivation(j.entries, between(1.5, 7))).toMatchObject({
      verdict: 'pass',
      summary: 'stopped: 2 token requests in 5.0 s after the first 401',
    });
  });

  it('has nothing to judge when the client made no request', () => {
    expect(judgeDeactivation([], between(1.5, 7)).verdict).toBe('not-seen');
  });
});

describe('judgeDuplicate', () => {
  const w = between(5, 20);
  /** The first delivery at 8 s, its duplicate at 10 s. */
  const deliveries = (dupStatus = 202) => [
    delivery({ seq: 1, at: 8 }),
    delivery({ seq: 2, at: 10, kind: 'duplicate', status: dupStatus }),
  ];
  /** The work a delivery sets off: a read of the order, a stock reservation. */
  const work = (j: JournalBuilder, at: number, token: JournalEntry) => {
    j.apiCall({ at, token });
    j.apiCall({ at: at + 0.1, token, endpoint: ENDPOINTS.updateInventory });
  };

  it('fails a client that does the work again for the same event', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    work(j, 8.1, token);
    work(j, 10.1, token);
    const v = judgeDuplicate(j.entries, deliveries(), w);
    expect(v.verdict).toBe('fail');
    expect(v.summary).toBe('processed the same event again: the event: 202 in 12 ms, 1 write; the duplicate: 202 in 12 ms, 1 write (PUT /api/Inventory/UpdateMany)');
  });

  it('passes a client that answers the duplicate 2xx and does nothing', () => {
    const j = journal();
    work(j, 8.1, j.tokenRequest({ at: 1 }));
    expect(judgeDuplicate(j.entries, deliveries(), w)).toMatchObject({ verdict: 'pass', summary: 'the event: 202 in 12 ms, 1 write; the duplicate: 202 in 12 ms, no write' });
  });

  it('fails a duplicate refused with an error status, which the platform would send again', () => {
    const j = journal();
    work(j, 8.1, j.tokenRequest({ at: 1 }));
    expect(judgeDuplicate(j.entries, deliveries(500), w).verdict).toBe('fail');
  });

  it('has nothing to judge when the first delivery was not accepted, or no duplicate came', () => {
    expect(judgeDuplicate([], [delivery({ at: 8, status: 401 })], w)).toMatchObject({ verdict: 'not-seen', summary: 'did not accept the event: 401 in 12 ms' });
    expect(judgeDuplicate([], [delivery({ at: 8 })], w).verdict).toBe('not-seen');
    expect(judgeDuplicate([], [], w).verdict).toBe('not-seen');
  });
});

describe('judgeRecovery', () => {
  it('passes calls that work again, fails silence or failures', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token });
    expect(judgeRecovery(j.entries, between(1.5, 5))).toMatchObject({ verdict: 'pass', summary: '3 of 3 calls worked' });
    expect(judgeRecovery(j.entries, between(6, 9))).toMatchObject({ verdict: 'fail', summary: 'made no API call in the 3.0 s after everything was restored' });
    const k = journal();
    k.apiCalls(2, { from: 2, every: 1, token: k.tokenRequest({ at: 1 }), status: 401 });
    expect(judgeRecovery(k.entries, between(1.5, 5))).toMatchObject({ verdict: 'fail', summary: '2 calls, none worked (401)' });
  });
});

describe('judgeForbidden', () => {
  it('fails a request refused with 403 and sent again, passes one left alone', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (const at of [2, 2.1, 2.2]) j.apiCall({ at, token, status: 403, denied: 'missing role OrderRead' });
    expect(judgeForbidden(j.entries, between(1.5, 5)).verdict).toBe('fail');
    const k = journal();
    k.apiCall({ at: 2, token: k.tokenRequest({ at: 1 }), status: 403, denied: 'missing role OrderRead' });
    expect(judgeForbidden(k.entries, between(1.5, 5))).toMatchObject({ verdict: 'pass', summary: '1 call refused with 403 (1 request), not retried' });
  });
});

describe('judgeFaults', () => {
  const failing = (j: JournalBuilder, at: number, token: JournalEntry) =>
    Object.assign(j.apiCall({ at, token, status: 503 }), { fault: { id: 'f', kind: 'status 503' } });

  it('fails a failing request retried in a tight loop, passes a few retries with pauses', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (let i = 0; i < 10; i++) failing(j, 2 + i * 0.02, token);
    expect(judgeFaults(j.entries, between(1.5, 5)).verdict).toBe('fail');
    const k = journal();
    const t = k.tokenRequest({ at: 1 });
    for (const at of [2, 3, 5]) failing(k, at, t);
    k.apiCall({ at: 9, token: t });
    expect(judgeFaults(k.entries, between(1.5, 10))).toMatchObject({ verdict: 'pass', summary: '3 requests met a fault; at most 4 attempts of one request, median wait 2.0 s' });
  });
});

describe('judgeRotation', () => {
  it('passes a call that worked with the new credentials, fails refusals with the old ones, and waits for a refusal to judge', () => {
    const j = journal();
    j.apiCall({ at: 2, token: j.tokenRequest({ at: 1.9, client: 'client-new' }) });
    expect(judgeRotation(j.entries, [TEST_CLIENT, 'client-new'], between(1.5, 5)).verdict).toBe('pass');
    const k = journal();
    k.tokenRequest({ at: 2, status: 401 });
    k.tokenRequest({ at: 2.1, status: 401 });
    expect(judgeRotation(k.entries, [TEST_CLIENT, 'client-new'], between(1.5, 5))).toMatchObject({
      verdict: 'fail',
      summary: 'never used the new credentials (2 requests refused with the old ones)',
    });
    expect(judgeRotation(k.entries, [TEST_CLIENT], between(1.5, 5)).verdict).toBe('not-seen');
    const still = journal();
    still.apiCalls(3, { from: 2, every: 1, token: still.tokenRequest({ at: 1.8 }) });
    expect(judgeRotation(still.entries, [TEST_CLIENT, 'client-new'], between(1.5, 5)).verdict).toBe('not-seen');
  });
});

describe('seconds', () => {
  it('tells milliseconds below a tenth of a second, else seconds', () => {
    expect([seconds(4.4), seconds(99), seconds(100), seconds(2345)]).toEqual(['4 ms', '99 ms', '0.1 s', '2.3 s']);
  });
});
