import { defineCheck, exchangesCredentials, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseTraffic, requestEvidence } from './check.ts';
import { sameRequest } from './error-traffic.ts';
import { refusalsExplained } from './token-traffic.ts';

export default defineCheck({
  id: 'token.renew-once-on-401',
  title: 'On 401 the integration requests a new token and retries once',
  section: 'Token handling',
  required: true,
  phases: ['revoked-token', 'short-lived-tokens'],
  appliesTo: exchangesCredentials,
  remediation:
    'When a call answers 401, request a new token once and retry the call once with it; if that also answers 401, stop and alert instead of looping.',
  judge(obs) {
    const p = phase(obs, 'revoked-token');
    if (!p?.completed) return phaseMissing('revoked-token', p);
    const end = phase(obs, 'short-lived-tokens')?.endMono ?? p.endMono;
    const traffic = phaseTraffic(obs, p, p.startMono, end);
    const first401 = traffic.find((e) => isApiCall(e) && e.status === 401);
    if (!first401) {
      return inconclusive(
        'No API call was answered 401 after the tokens were revoked, so the reaction to a 401 could not be observed (the integration made no call with an old token: it stopped calling, or it fetches a token per call, which token.cached-and-reused judges).',
      );
    }
    const after = traffic.filter((e) => e.seq > first401.seq);
    const renewal = after.find((e) => isTokenRequest(e) && e.status === 200 && e.issued);
    if (!renewal) {
      return {
        verdict: 'fail',
        summary: 'After a 401 the integration did not request a new token.',
        evidence: [requestEvidence(obs, first401, 'token revoked: 401'), ...after.slice(0, 4).map((e) => requestEvidence(obs, e))],
      };
    }
    // The retry is the same request (method, path, query and body: the next poll of the route is
    // not a retry) with any token issued after the 401: matching only the first new token would
    // report "did not retry" for an integration that renewed twice.
    const renewed = new Set(after.flatMap((e) => (isTokenRequest(e) && e.issued ? [e.issued.tokenId] : [])));
    const retry = after.find((e) => e.seq > renewal.seq && sameRequest(e, first401) && e.tokenId !== null && renewed.has(e.tokenId));
    const tokenRequestsBefore = after.filter((e) => isTokenRequest(e) && retry && e.seq < retry.seq).length;
    const evidence = [requestEvidence(obs, first401, 'token revoked: 401'), requestEvidence(obs, renewal, 'new token')];
    if (!retry) {
      const later = after.find((e) => e.seq > renewal.seq && isApiCall(e) && e.method === first401.method && e.routeId === first401.routeId);
      return {
        verdict: 'fail',
        summary: `The integration renewed its token but did not retry ${first401.method} ${first401.path}${later ? ` (its later ${later.method} ${later.path} was a different request: another body or query)` : ''}: the refused request was dropped.`,
        evidence: later ? [...evidence, requestEvidence(obs, later, 'a different request, not the retry')] : evidence,
      };
    }
    evidence.push(requestEvidence(obs, retry, 'retried with the new token'));
    // The retry is judged as a retry: what the API then answers (a 404 for an order that is gone) is not a token matter.
    if (retry.status === 401) {
      return { verdict: 'fail', summary: 'The retried call was refused again (401) with the new token.', evidence };
    }
    if (tokenRequestsBefore > 1) {
      return { verdict: 'fail', summary: `The integration requested ${tokenRequestsBefore} tokens before retrying, where one renewal should do.`, evidence };
    }
    const seconds = Math.round(retry.mono - first401.mono) / 1000;
    // A 403 for what the new token lacks is a token matter after all when its request misspelled a field (`scope:`): say so.
    const explained = retry.status === 403 ? refusalsExplained(obs, traffic.filter(isApiCall)) : null;
    const cause = explained?.refused.includes(retry) ? explained : null;
    const outcome =
      retry.status > 0 && retry.status < 400 ? 'succeeded' : cause ? `was answered ${retry.status}` : `was answered ${retry.status || 'without a response'} (not a token matter)`;
    const summary = `One token request, then the call was retried once with the new token and ${outcome}, ${seconds} s after the 401.`;
    // The renewal that misspelled the field is already in the evidence.
    return { verdict: 'pass', summary: cause ? `${summary} ${cause.text}` : summary, evidence };
  },
});
