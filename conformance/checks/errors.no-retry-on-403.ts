import { defineCheck, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseRun, requestEvidence, secondsAt } from './check.ts';
import { sameRequest, userTraffic } from './error-traffic.ts';
import { refusalsExplained } from './token-traffic.ts';

const PROBLEM_LINE = /\b(403|forbidden|role|permission|access|denied|not allowed|scope)\b/i;
/** How long after the phase a line may still come: later lines are about other problems (a 401 saying "access denied"…). */
const LOG_GRACE_MS = 5_000;

export default defineCheck({
  id: 'errors.no-retry-on-403',
  title: '403 is treated as a configuration problem: logged, not retried',
  section: 'Error handling',
  required: true,
  phases: ['missing-role'],
  remediation:
    'A 403 means the API user lacks a role or store/market access: retrying cannot help. Log an error that names the request and the likely cause, alert someone, and do not repeat the request (a new token does not change the roles either).',
  judge(obs) {
    const p = phase(obs, 'missing-role');
    if (!p) return phaseMissing('missing-role', p);
    const traffic = userTraffic(obs, p, p.startMono, p.endMono);
    // `missing <noun> <name>` (a role, a scope…): the mock names the platform's word for it.
    const first = traffic.find((e) => e.status === 403 && (e.denied ?? '').startsWith('missing '));
    const noun = obs.permissions.noun;
    if (!first) return inconclusive(`No call of the integration was refused after a ${noun} it uses was withdrawn, so its reaction to a 403 could not be observed.`);
    const after = traffic.filter((e) => e.seq > first.seq);
    const repeats = after.filter((e) => sameRequest(e, first));
    const renewed = after.some((e) => isTokenRequest(e) && repeats.length > 0 && e.seq < repeats[0]!.seq);
    const line = obs.logs.find((l) => l.run === phaseRun(p) && l.mono >= first.mono && l.mono <= p.endMono + LOG_GRACE_MS && PROBLEM_LINE.test(l.text));
    // A token that lacked what the calls needed from the start (a token request's misspelled field): its 403s are judged the same, and explained.
    const explained = refusalsExplained(obs, traffic.filter(isApiCall));
    const cause = explained?.refused.includes(first) ? explained : null;
    const also = (summary: string) => (cause ? `${summary} ${cause.text}` : summary);
    const evidence = [requestEvidence(obs, first, `403: ${first.denied}`), ...(cause ? cause.evidence.slice(0, 1) : [])];
    if (repeats.length > 0) {
      return {
        verdict: 'fail',
        summary: also(
          `The request that got 403 was repeated ${repeats.length} time(s) within ${Math.round((p.endMono - p.startMono) / 1000)} s${renewed ? ` (after requesting a new token: a renew-then-retry is still a retry, and a new token carries the same ${noun}s)` : ''}.`,
        ),
        evidence: [...evidence, ...firstOf(repeats.map((e) => requestEvidence(obs, e, 'repeated')), 5)],
      };
    }
    if (!line) {
      return { verdict: 'fail', summary: also(`The 403 was not retried, but no log line names the problem: an operator would not know a ${noun} is missing.`), evidence };
    }
    return {
      verdict: 'pass',
      summary: also('The request that got 403 was not repeated, and the problem was logged.'),
      evidence: [...evidence, { kind: 'log', stream: line.stream, at: secondsAt(obs, line.mono), text: line.text }],
    };
  },
});
