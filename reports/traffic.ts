/**
 * The run's traffic in the report, bounded: a lane keeps each request as a mark up to a cap,
 * and above it counts them in buckets of time instead, so a run of 100,000 requests stays small.
 */
import type { Outcome, TrafficBucket, TrafficLane, TrafficMark } from './model.ts';

/** Marks a lane keeps before it is counted in buckets instead. */
export const TRAFFIC_CAP = 5000;

/** Buckets a counted lane has at most over the run. */
export const MAX_BUCKETS = 400;

/**
 * The outcome of an answer's status, or of a connection cut before one (`reset`, `hang`).
 * @example outcomeOf(429) // '429'
 */
export function outcomeOf(status: number | null, cut?: 'reset' | 'hang' | null): Outcome {
  if (cut) return cut;
  if (status === null) return 'other';
  if (status >= 200 && status < 300) return '2xx';
  if (status === 401 || status === 403 || status === 429) return String(status) as Outcome;
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}

/**
 * The width of a bucket for a run of `span` seconds: a round number (1, 2 or 5 times a power of
 * ten) giving at most `MAX_BUCKETS`, and never under the marks' own precision (0.01 s).
 */
export function bucketSeconds(span: number): number {
  const least = Math.max(span / MAX_BUCKETS, 0.01);
  const power = 10 ** Math.floor(Math.log10(least));
  for (const step of [1, 2, 5, 10]) if (step * power >= least) return round(step * power, 6);
  return 10 * power;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** The counts of a lane's marks: by outcome, token requests and faults. */
function count(marks: readonly TrafficMark[]): Pick<TrafficLane, 'counts' | 'token' | 'fault'> {
  const counts: Partial<Record<Outcome, number>> = {};
  let token = 0;
  let fault = 0;
  for (const m of marks) {
    counts[m.outcome] = (counts[m.outcome] ?? 0) + 1;
    if (m.token) token += 1;
    if (m.fault) fault += 1;
  }
  return { counts, token, fault };
}

/** `marks` counted in buckets of `seconds`, the empty ones left out, oldest first. */
export function bucketsOf(marks: readonly TrafficMark[], seconds: number): TrafficBucket[] {
  const byIndex = new Map<number, TrafficBucket>();
  for (const m of marks) {
    const index = Math.floor(m.at / seconds);
    let b = byIndex.get(index);
    if (!b) {
      b = { at: round(index * seconds, 6), seconds, counts: {}, token: 0, fault: 0 };
      byIndex.set(index, b);
    }
    b.counts[m.outcome] = (b.counts[m.outcome] ?? 0) + 1;
    if (m.token) b.token += 1;
    if (m.fault) b.fault += 1;
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
}

/**
 * One lane of the report's traffic: every mark, oldest first, when there are at most `cap`;
 * else the counts in buckets over the run's `spanSeconds`. The totals are kept either way.
 * @example trafficLane('test', 'requests', marks, { spanSeconds: 84 }).marks?.length
 */
export function trafficLane(
  name: string,
  kind: TrafficLane['kind'],
  marks: readonly TrafficMark[],
  options: { spanSeconds: number; cap?: number },
): TrafficLane {
  const cap = options.cap ?? TRAFFIC_CAP;
  const sorted = [...marks].sort((a, b) => a.at - b.at || a.seq - b.seq);
  const lane: TrafficLane = { name, kind, total: sorted.length, ...count(sorted) };
  if (sorted.length <= cap) return { ...lane, marks: sorted };
  const span = Math.max(options.spanSeconds, sorted.at(-1)!.at);
  return { ...lane, buckets: bucketsOf(sorted, bucketSeconds(span)) };
}
