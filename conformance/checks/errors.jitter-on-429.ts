import { defineCheck, inconclusive, phaseMissing } from './check.ts';
import { attemptsOf, gaps, phasesNamed, round, sameRequest, userTraffic } from './error-traffic.ts';
import type { PhaseRecord } from './observations.ts';

const SAME_WITHIN = 0.05;
/**
 * Waits are compared relative to their mean, but never to less than this: two immediate
 * retries (2 ms and 3 ms) are the same wait, not a 40 % difference.
 */
const MIN_SCALE_MS = 100;

/** How much matching waits of two series differ, each relative to their mean (never to less than `MIN_SCALE_MS`). */
const relativeDifferences = (a: readonly number[], b: readonly number[]): number[] =>
  Array.from({ length: Math.min(a.length, b.length) }, (_, i) => Math.abs(a[i]! - b[i]!) / Math.max(MIN_SCALE_MS, (a[i]! + b[i]!) / 2));
const largestDifference = (a: readonly number[], b: readonly number[]): number => Math.max(0, ...relativeDifferences(a, b));

export default defineCheck({
  id: 'errors.jitter-on-429',
  title: 'Backoff has jitter',
  section: 'Error handling',
  required: false,
  phases: ['rate-limit-no-retry-after', 'rate-limit-no-retry-after-again'],
  remediation:
    'Add random jitter to every backoff wait (for example "full" or "equal" jitter), so that many clients, or many workers of one client, do not retry in lockstep after a 429.',
  judge(obs) {
    const storms = phasesNamed(obs, 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again');
    if (storms.length < 2) return phaseMissing('rate-limit-no-retry-after-again', storms[1]);
    // Each storm's own API user's traffic: the two may run in different lanes, each with its user.
    const trafficOf = (p: PhaseRecord) => userTraffic(obs, p, p.startMono);
    // The same storm twice: without jitter the waits repeat to the millisecond.
    const series = storms.map((p) => {
      const traffic = trafficOf(p);
      const first = traffic.find((e) => e.status === 429 && e.fault && e.mono >= p.startMono && e.mono <= p.endMono);
      // Within the phase: a request given up on in the first storm must not pick up the second's 429s as retries.
      return first ? gaps(attemptsOf(traffic.filter((e) => e.mono <= p.endMono), first)) : [];
    });
    // Requests refused at once in the second storm (a client's parallel workers, security-tests.md
    // case 76): with jitter drawn per worker their waits differ; in lockstep they come back together.
    const second = storms[1]!;
    const inSecond = trafficOf(second).filter((e) => e.mono <= second.endMono);
    const refusals = inSecond.filter((e) => e.status === 429 && e.fault && e.mono >= second.startMono);
    const workers = refusals.filter((e, i) => refusals.findIndex((x) => sameRequest(x, e)) === i).map((f) => attemptsOf(inSecond, f));
    const atOnce = workers.filter((w) => workers.some((o) => o !== w && o[0]!.mono < w.at(-1)!.mono && w[0]!.mono < o.at(-1)!.mono));
    const workerWaits = atOnce.map((w) => gaps(w));
    const lockstep = workerWaits.length >= 2 && workerWaits.every((w) => w.length >= 2) && workerWaits.every((w) => workerWaits.every((o) => largestDifference(w, o) <= SAME_WITHIN));
    const atOnceEvidence = workerWaits.map((w, i) => ({ kind: 'note' as const, text: `waits of request ${i + 1} of the ${atOnce.length} refused at once: ${w.map((g) => `${round(g / 1000)} s`).join(', ')}` }));
    if (lockstep) {
      const largest = round(Math.max(...workerWaits.flatMap((w) => workerWaits.map((o) => largestDifference(w, o)))) * 100, 1);
      return {
        verdict: 'fail',
        summary: `${atOnce.length} requests refused at once retried in lockstep: their waits agree within 5 % (they differ by ${largest} % at most), so the workers of one client come back together and meet the limit again together.`,
        evidence: atOnceEvidence,
      };
    }

    const [a, b] = series as [number[], number[]];
    const n = Math.min(a.length, b.length);
    if (n < 2) return inconclusive('Too few retries in the two identical 429 storms to tell whether the waits vary.');
    const differences = relativeDifferences(a, b);
    const largest = round(Math.max(...differences) * 100, 1);
    const evidence = [
      { kind: 'note' as const, text: `waits in the first storm: ${a.map((g) => `${round(g / 1000)} s`).join(', ')}` },
      { kind: 'note' as const, text: `waits in the second storm: ${b.map((g) => `${round(g / 1000)} s`).join(', ')}` },
      { kind: 'metric' as const, name: 'largest difference between matching waits', value: largest, unit: '%', limit: SAME_WITHIN * 100 },
      // Workers refused at once that came back apart: shown, so a pass says it saw them.
      ...atOnceEvidence,
    ];
    if (differences.some((d) => d > SAME_WITHIN)) {
      return { verdict: 'pass', summary: `The waits of two identical 429 storms differ by up to ${largest} %: the retries carry jitter and are not synchronised.`, evidence };
    }
    return {
      verdict: 'fail',
      summary: `Two identical 429 storms produced the same waits within 5 % (they differ by ${largest} % at most): the backoff has no jitter, so many clients would retry in lockstep.`,
      evidence,
    };
  },
});
