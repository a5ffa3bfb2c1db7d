import { ERROR_LINE, defineCheck, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseRun, phaseTraffic, requestEvidence, secondsAt } from './check.ts';

const LIMIT = 3;

export default defineCheck({
  id: 'token.no-retry-loop',
  title: 'A second 401 stops the integration from retrying in a loop',
  section: 'Token handling',
  required: true,
  phases: ['deactivated-user'],
  remediation:
    'If the request still answers 401 after one token renewal (the API user is deactivated or its secret was rotated), stop calling, log an error that names the problem and alert someone; do not request tokens in a loop.',
  judge(obs) {
    const p = phase(obs, 'deactivated-user');
    if (!p) return phaseMissing('deactivated-user', p);
    const traffic = phaseTraffic(obs, p);
    const first401 = traffic.find((e) => (isApiCall(e) || isTokenRequest(e)) && e.status === 401);
    if (!first401) return inconclusive('No request was made after the API user was deactivated.');
    const window = p.params.observeWindowMs ?? 30_000;
    // An integration that exits after logging the problem has stopped retrying too: that passes.
    const inWindow = traffic.filter((e) => e.seq > first401.seq && e.mono <= first401.mono + window);
    const tokens = inWindow.filter(isTokenRequest);
    const calls = inWindow.filter(isApiCall);
    const errorLine = obs.logs.find((l) => l.run === phaseRun(p) && l.mono >= first401.mono && ERROR_LINE.test(l.text));
    const evidence = [
      { kind: 'metric' as const, name: `token requests in ${window / 1000} s after the first 401`, value: tokens.length, limit: LIMIT },
      { kind: 'metric' as const, name: `API calls in ${window / 1000} s after the first 401`, value: calls.length, limit: LIMIT },
      requestEvidence(obs, first401, 'first 401 after deactivation'),
    ];
    if (tokens.length > LIMIT || calls.length > LIMIT) {
      return {
        verdict: 'fail',
        summary: `After the API user was deactivated the integration kept trying: ${tokens.length} token requests and ${calls.length} API calls within ${window / 1000} s of the first 401 (at most ${LIMIT} each).`,
        evidence: [...evidence, ...firstOf(inWindow.map((e) => requestEvidence(obs, e)), 5)],
      };
    }
    if (!errorLine) {
      return {
        verdict: 'fail',
        summary: 'The integration stopped retrying, but printed no error line saying why: an operator would not know it is down.',
        evidence,
      };
    }
    return {
      verdict: 'pass',
      summary: `${tokens.length} token request(s) and ${calls.length} API call(s) after the first 401, and an error was logged.`,
      evidence: [...evidence, { kind: 'log', stream: errorLine.stream, at: secondsAt(obs, errorLine.mono), text: errorLine.text }],
    };
  },
});
