import type { Evidence } from '../../reports/model.ts';
import { defineCheck, inconclusive, phaseMissing, requestEvidence } from './check.ts';
import { answeredAt, attemptsOf, gaps, phasesNamed, round, sameRequest, userTraffic } from './error-traffic.ts';

/**
 * How much earlier than Retry-After a retry may seem to come: a margin for clocks and timers
 * (the mock now notes an answer's moment before writing it; noted after, a pause of the process
 * in between made urllib3's exact `time.sleep` seem 10 ms, once 35 ms, early). A client that
 * ignores Retry-After comes back hundreds of ms early.
 */
const TOLERANCE_MS = 30;
/**
 * After a Retry-After of 0, a past date or a value that is not one (`soon`), the retry may come
 * at once or after the client's own backoff, never later than twice the longest wait of that
 * backoff (seen in the storms without Retry-After), and at least this (security-tests.md case 75).
 */
const ODD_RETRY_AFTER_FLOOR_MS = 5_000;
/** RFC 9110's preferred HTTP date (IMF-fixdate); Date.parse alone takes junk such as "-1" for a date. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export default defineCheck({
  id: 'errors.backoff-on-429',
  title: '429 is handled with backoff: Retry-After honoured, growing waits without it',
  section: 'Error handling',
  required: true,
  phases: ['rate-limit-retry-after', 'rate-limit-http-date', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again'],
  remediation:
    'On 429 Too Many Requests wait at least Retry-After (seconds or an HTTP date) before retrying; after Retry-After: 0 or a past date retry now, and after a value you cannot read fall back to your backoff; without it, back off exponentially (for example 1 s, 2 s, 4 s … with jitter, capped), and lower your parallelism.',
  judge(obs) {
    const storms = phasesNamed(obs, 'rate-limit-retry-after', 'rate-limit-http-date', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again');
    if (storms.length === 0) return phaseMissing('rate-limit-retry-after', undefined);
    // Each storm's traffic is its own API users' (the storms may run in lanes of their own, each with its user).
    const trafficOf = new Map(storms.map((p) => [p, userTraffic(obs, p, p.startMono)] as const));
    const refused = storms
      .flatMap((storm) => trafficOf.get(storm)!.filter((e) => e.status === 429 && e.fault && e.mono <= storm.endMono).map((e) => ({ e, storm })))
      .sort((a, b) => a.e.seq - b.e.seq);
    const storm429s = refused.map((r) => r.e);
    if (storm429s.length === 0) return inconclusive('The integration made no call during the 429 phases, so its backoff could not be observed.');
    const evidence: Evidence[] = [];
    const early: string[] = [];
    const late: string[] = [];

    // Without Retry-After: the waits of the client's own backoff (judged below). Both storms
    // without it are read (when the second ran).
    const bareStorms = storms.filter((p) => p.name === 'rate-limit-no-retry-after' || p.name === 'rate-limit-no-retry-after-again');
    const series = bareStorms.flatMap((p) => {
      const first = refused.find((r) => r.e.retryAfter === null && r.storm === p)?.e;
      // Within the phase: a request the client gave up on would otherwise pick up the next storm's 429s as retries.
      return first ? [gaps(attemptsOf(trafficOf.get(p)!.filter((e) => e.mono <= p.endMono), first))] : [];
    });
    const longestBackoffMs = Math.max(0, ...series.flat());
    const oddLimitMs = Math.max(ODD_RETRY_AFTER_FLOOR_MS, 2 * longestBackoffMs);

    // With Retry-After: no retry before it; after 0, a past date or a value that is neither
    // seconds nor a date, no wait longer than the client's own backoff allows.
    for (const { e, storm } of refused.filter((r) => r.e.retryAfter !== null)) {
      const retry = trafficOf.get(storm)!.find((x) => x.seq > e.seq && sameRequest(x, e));
      if (!retry) continue;
      const header = e.retryAfter!.trim();
      const waitedMs = retry.mono - answeredAt(e);
      const neededMs = /^\d+$/.test(header) ? Number(header) * 1000 : IMF_FIXDATE.test(header) ? Date.parse(header) - (Date.parse(e.time) + e.latencyMs) : Number.NaN;
      if (!(neededMs > 0)) {
        evidence.push({ kind: 'metric', name: `wait after 429 #${e.seq} (Retry-After: ${header})`, value: round(waitedMs / 1000), unit: 's', limit: round(oddLimitMs / 1000) });
        if (waitedMs > oddLimitMs) {
          late.push(
            `After Retry-After: ${header} the retry came ${round(waitedMs / 1000)} s later, longer than ${round(oddLimitMs / 1000)} s (twice the longest wait of its own backoff, ${round(longestBackoffMs / 1000)} s, and at least ${ODD_RETRY_AFTER_FLOOR_MS / 1000} s)`,
          );
          evidence.push(requestEvidence(obs, retry, `retried long after Retry-After: ${header}`));
        }
        continue;
      }
      evidence.push({ kind: 'metric', name: `wait after 429 #${e.seq} (Retry-After: ${header})`, value: round(waitedMs / 1000), unit: 's', limit: round(neededMs / 1000) });
      if (waitedMs + TOLERANCE_MS < neededMs) {
        early.push(`retried after ${round(waitedMs / 1000)} s where Retry-After asked for ${round(neededMs / 1000)} s`);
        evidence.push(requestEvidence(obs, retry, 'retried before Retry-After'));
      }
    }
    if (early.length > 0) {
      return { verdict: 'fail', summary: `${early.length} retr${early.length === 1 ? 'y' : 'ies'} came before Retry-After: ${early[0]}.`, evidence };
    }
    if (late.length > 0) {
      return {
        verdict: 'fail',
        summary: `${late[0]}: a Retry-After of 0, in the past or unreadable means retry now or back off as usual, never a longer wait.`,
        evidence,
      };
    }

    // Without Retry-After: at least three retries, with growing gaps, the waits compared position
    // by position on the means of both storms: a backoff with random jitter is judged on more than one draw.
    const waits = series[0];
    if (!waits) return inconclusive('No 429 without Retry-After reached the integration, so growing backoff could not be observed.', evidence);
    const usable = series.filter((w) => w.length >= 3);
    const n = Math.min(...usable.map((w) => w.length));
    const means = usable.length ? Array.from({ length: n }, (_, i) => usable.reduce((sum, w) => sum + w[i]!, 0) / usable.length) : waits;
    const factors = means.slice(1).map((g, i) => g / Math.max(1, means[i]!));
    const meanFactor = factors.length ? factors.reduce((a, b) => a + b, 0) / factors.length : 0;
    const shown = (w: readonly number[]) => w.map((g) => `${round(g / 1000)} s`).join(', ') || '(none)';
    evidence.push(
      ...series.map((w, i) => ({ kind: 'note' as const, text: `waits between attempts without Retry-After${series.length > 1 ? ` (storm ${i + 1})` : ''}: ${shown(w)}` })),
      { kind: 'metric', name: 'retries without Retry-After', value: waits.length, limit: 3 },
      { kind: 'metric', name: `mean growth factor of the waits${usable.length > 1 ? ` (averaged over ${usable.length} storms)` : ''}`, value: round(meanFactor), limit: 1.5 },
    );
    if (waits.length < 3) {
      return {
        verdict: 'fail',
        summary: `Without Retry-After the integration retried ${waits.length} time(s); at least 3 retries with growing waits are expected before giving up.`,
        evidence,
      };
    }
    const what = usable.length > 1 ? `${shown(means)}, the mean of ${usable.length} storms` : shown(waits);
    if (meanFactor < 1.5) {
      return { verdict: 'fail', summary: `Without Retry-After the waits did not grow: ${what} (mean growth factor ${round(meanFactor)}, at least 1.5 expected).`, evidence };
    }
    return {
      verdict: 'pass',
      summary: `Retry-After was honoured, and without it the waits grew (${what}; mean factor ${round(meanFactor)}).`,
      evidence,
    };
  },
});
