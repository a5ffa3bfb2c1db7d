import { describe, expect, it } from 'vitest';
import type { TrafficMark } from './model.ts';
import { MAX_BUCKETS, bucketSeconds, outcomeOf, trafficLane } from './traffic.ts';

describe('outcomeOf', () => {
  it('names a status by its class and a cut connection by what happened to it', () => {
    expect([200, 204, 401, 403, 429, 500, 503, 404, 302, null].map((s) => outcomeOf(s))).toEqual(['2xx', '2xx', '401', '403', '429', '5xx', '5xx', 'other', 'other', 'other']);
    expect([outcomeOf(0, 'reset'), outcomeOf(200, 'hang')]).toEqual(['reset', 'hang']);
  });
});

describe('trafficLane', () => {
  const marks = (n: number, every = 0.01): TrafficMark[] =>
    Array.from({ length: n }, (_, i) => ({ at: Number((i * every).toFixed(2)), outcome: i % 10 === 0 ? '429' : '2xx', seq: i + 1, ...(i % 50 === 0 ? { token: true as const } : {}), ...(i % 100 === 0 ? { fault: true as const } : {}) }));

  it('keeps every mark, oldest first, up to the cap, with the totals', () => {
    const lane = trafficLane('test', 'requests', [...marks(100)].reverse(), { spanSeconds: 10, cap: 100 });
    expect(lane.marks!.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(lane.buckets).toBeUndefined();
    expect([lane.total, lane.counts, lane.token, lane.fault]).toEqual([100, { '429': 10, '2xx': 90 }, 2, 1]);
  });

  it('counts a lane above the cap in round buckets instead, at most MAX_BUCKETS over the run, losing no request', () => {
    const lane = trafficLane('test', 'requests', marks(100_000, 0.006), { spanSeconds: 600, cap: 5000 });
    expect(lane.marks).toBeUndefined();
    const buckets = lane.buckets!;
    expect(buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(buckets[0]!.seconds).toBe(2);
    expect(buckets.every((b, i) => i === 0 || b.at > buckets[i - 1]!.at)).toBe(true);
    const sum = (f: (b: (typeof buckets)[number]) => number) => buckets.reduce((n, b) => n + f(b), 0);
    expect([sum((b) => b.counts['2xx'] ?? 0), sum((b) => b.counts['429'] ?? 0), sum((b) => b.token), sum((b) => b.fault)]).toEqual([90_000, 10_000, 2000, 1000]);
    expect([lane.total, lane.token, lane.fault]).toEqual([100_000, 2000, 1000]);
    // The whole lane is small: a bucket per stretch of time, not a mark per request.
    expect(JSON.stringify(lane).length).toBeLessThan(60_000);
  });

  it('picks a bucket of 1, 2 or 5 times a power of ten', () => {
    expect([bucketSeconds(84), bucketSeconds(600), bucketSeconds(3600), bucketSeconds(0)]).toEqual([0.5, 2, 10, 0.01]);
  });
});
