import { ERROR_LINE, defineCheck, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseRun, requestEvidence, secondsAt, within } from './check.ts';
import { refusalsExplained } from './token-traffic.ts';

/** Refused requests with the old credentials allowed after the first: a renewal, its retry, a request already under way. */
const LIMIT = 3;

export default defineCheck({
  id: 'rotation.survives-secret-rotation',
  title: 'A rotated secret is picked up without a restart, or the integration stops loudly once',
  section: 'Beyond the Omnium checklist',
  required: true,
  phases: ['secret-rotation'],
  remediation:
    'Read the credentials from where the secret store puts them (under golive: the client id and secret files the environment names), and when they are refused, read them again once: if they changed, use the new ones; if not (or the new ones are refused too), log an error that names the problem and stop calling, instead of retrying the old credentials in a loop.',
  judge(obs) {
    const p = phase(obs, 'secret-rotation');
    // An integration that exits after logging the problem has stopped cleanly: the phase ending early is no reason to give up.
    if (!p) return phaseMissing('secret-rotation', p);
    const fresh = obs.rotatedClient;
    if (fresh === null) return inconclusive('The secret-rotation phase ran, but no new API user was created, so there was no rotation to survive.');
    const traffic = within(obs, p.startMono, p.endMono);
    const refused = traffic.filter((e) => e.apiUser === (p.apiUsers?.[0] ?? obs.clients.test) && (isApiCall(e) || isTokenRequest(e)) && e.status === 401);
    const recovered = traffic.find((e) => e.apiUser === fresh && isApiCall(e) && e.status > 0 && e.status < 400);
    const first = refused[0];
    if (!first && !recovered) {
      return inconclusive('No request was made after the secret was rotated (neither with the old credentials nor with the new ones).');
    }
    const window = p.params.observeWindowMs ?? 30_000;
    const inWindow = first ? refused.filter((e) => e.mono <= first.mono + window) : [];
    const tokens = inWindow.filter(isTokenRequest).length;
    const calls = inWindow.filter(isApiCall).length;
    const evidence = [
      { kind: 'metric' as const, name: `refused token requests with the old credentials in ${window / 1000} s`, value: tokens, limit: LIMIT },
      { kind: 'metric' as const, name: `refused API calls with the old credentials in ${window / 1000} s`, value: calls, limit: LIMIT },
      ...(first ? [requestEvidence(obs, first, 'first request refused after the rotation')] : []),
    ];
    if (tokens > LIMIT || calls > LIMIT) {
      return {
        verdict: 'fail',
        summary: `After the secret was rotated the integration kept trying the old credentials: ${tokens} refused token requests and ${calls} refused API calls within ${window / 1000} s (at most ${LIMIT} each)${recovered ? ', before or beside its calls as the new API user' : ''}.`,
        evidence: [...evidence, ...firstOf(inWindow.slice(1).map((e) => requestEvidence(obs, e)), 5)],
      };
    }
    if (recovered) {
      const seconds = Math.round((recovered.mono - p.startMono) / 100) / 10;
      return {
        verdict: 'pass',
        summary: `It recovered without a restart: ${inWindow.length} refused request(s) with the old credentials, then its calls succeeded as the new API user, ${seconds} s after the rotation.`,
        evidence: [...evidence, requestEvidence(obs, recovered, 'first call that worked as the new API user')],
      };
    }
    // It took the new credentials, but its token lacked what the calls needed (a token request's misspelled field): no call could show a recovery.
    const cause = refusalsExplained(obs, traffic.filter((e) => e.apiUser === fresh && isApiCall(e)));
    if (cause) {
      return inconclusive(
        `After the secret was rotated the integration called as the new API user, but none of those calls worked, so whether it recovered could not be seen. ${cause.text}`,
        [...evidence, ...cause.evidence],
      );
    }
    const errorLine = obs.logs.find((l) => l.run === phaseRun(p) && l.mono >= first!.mono && ERROR_LINE.test(l.text));
    if (!errorLine) {
      return {
        verdict: 'fail',
        summary: `Its requests with the old credentials were refused (${inWindow.length} in all) and it neither picked up the new credentials nor printed an error line: it carried on silently, and an operator would not know it is down.`,
        evidence,
      };
    }
    return {
      verdict: 'pass',
      summary: `It did not pick up the new credentials, but stopped after ${inWindow.length} refused request(s) and logged an error.`,
      evidence: [...evidence, { kind: 'log', stream: errorLine.stream, at: secondsAt(obs, errorLine.mono), text: errorLine.text }],
    };
  },
});
