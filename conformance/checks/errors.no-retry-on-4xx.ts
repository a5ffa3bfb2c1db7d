import type { JournalEntry } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive, isApiCall, phase, phaseMissing, requestEvidence } from './check.ts';
import { answeredAt, round, sameRequest, userTraffic } from './error-traffic.ts';

/** The answers a retry cannot change (security-tests.md case 79): the request itself is wrong, or what it names is not there. */
const CLIENT_ERROR = /^status (400|404|422)$/;

/**
 * How often the integration calls this route on its own (a poller's round): the median gap
 * between its calls of the route before `refused`, or `null` when it called it fewer than three
 * times. The route, not the request: a delta poller that keeps its window after a failed round
 * sends the very request again on the next, which it never did while its rounds worked.
 */
function periodOf(before: readonly JournalEntry[], refused: JournalEntry): number | null {
  const sends = before.filter((e) => e.seq < refused.seq && e.method === refused.method && e.routeId === refused.routeId && e.status > 0);
  if (sends.length < 3) return null;
  const between = sends.slice(1).map((e, i) => e.mono - sends[i]!.mono).sort((a, b) => a - b);
  return between[Math.floor(between.length / 2)]!;
}

/**
 * The repeats of `refused` that are retries: sent again before the integration made any other
 * API call and, for a route it calls on every round, sooner than half its own interval. A poller that moved on (another call first), or whose next
 * round came at its usual pace, is polling, not retrying.
 */
function retriesOf(traffic: readonly JournalEntry[], refused: JournalEntry, periodMs: number | null): JournalEntry[] {
  const retries: JournalEntry[] = [];
  for (const e of traffic) {
    if (e.seq <= refused.seq || !isApiCall(e)) continue;
    if (!sameRequest(e, refused)) break;
    if (periodMs !== null && e.mono - answeredAt(refused) >= periodMs / 2) break;
    retries.push(e);
  }
  return retries;
}

export default defineCheck({
  id: 'errors.no-retry-on-4xx',
  title: '400, 404 and 422 are not retried',
  section: 'Error handling',
  required: false,
  phases: ['malformed-responses'],
  remediation:
    'A 400, 404 or 422 says the request itself is wrong (a bad body, an id that does not exist, a rule it breaks): sending it again gets the same answer. Log it with the request, handle it (skip the record, mark it for a person) and move on; retry only 429, 502/503/504 and network errors.',
  judge(obs) {
    const p = phase(obs, 'malformed-responses');
    if (!p) return phaseMissing('malformed-responses', p);
    const traffic = userTraffic(obs, p, p.startMono, p.endMono);
    // Its own pace, from the start of the run: the steady phase shows how often it polls one URL.
    const before = userTraffic(obs, p, 0, p.endMono);
    const refused = traffic.filter((e) => e.fault !== null && CLIENT_ERROR.test(e.fault.kind));
    if (refused.length === 0) {
      return inconclusive(
        'No call of the integration was answered 404 or 422 (golive answers its next GET 404 and its next POST 422 once the unreadable answers are through), so whether it retries them could not be seen.',
      );
    }
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    for (const e of refused) {
      const status = e.fault!.kind.slice('status '.length);
      const period = periodOf(before, e);
      const retries = retriesOf(traffic, e, period);
      if (period !== null) evidence.push({ kind: 'note', text: `${e.method} ${e.path}: its route is called every ${round(period / 1000)} s on its own; a repeat half that long or more after the ${e.fault!.kind.slice('status '.length)} is its next round` });
      const watchedMs = p.endMono - answeredAt(e);
      evidence.push(requestEvidence(obs, e, status), { kind: 'metric', name: `retries of the request answered ${status}`, value: retries.length, limit: 0 });
      if (retries.length === 0) {
        evidence.push({ kind: 'note', text: `${e.method} ${e.path} answered ${status}: not sent again before another call (watched ${round(watchedMs / 1000, 1)} s)` });
        continue;
      }
      const first = retries[0]!;
      problems.push(`${e.method} ${e.path} answered ${status} was sent again ${retries.length} time(s), the first ${round((first.mono - answeredAt(e)) / 1000)} s later, before any other call`);
      evidence.push(...firstOf(retries.map((r) => requestEvidence(obs, r, `retry after ${status}`)), 3));
    }
    if (problems.length > 0) {
      const retried = [...new Set(refused.filter((e) => retriesOf(traffic, e, periodOf(before, e)).length > 0).map((e) => e.fault!.kind.slice('status '.length)))].join(' or ');
      return { verdict: 'fail', summary: `${problems.join('; ')}: a ${retried} does not change on a retry.`, evidence };
    }
    const statuses = [...new Set(refused.map((e) => e.fault!.kind.slice('status '.length)))].join(' and ');
    return { verdict: 'pass', summary: `The request${refused.length > 1 ? 's' : ''} answered ${statuses} ${refused.length > 1 ? 'were' : 'was'} not retried.`, evidence };
  },
});
