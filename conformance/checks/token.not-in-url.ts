import { defineCheck, firstOf, isTokenRequest, requestEvidence } from './check.ts';

export default defineCheck({
  id: 'token.not-in-url',
  title: 'Tokens and secrets are never sent in a URL',
  section: 'Token handling',
  required: true,
  phases: [],
  remediation:
    'Send the bearer token only in the Authorization header, never as a query parameter or path segment: URLs end up in proxy and server access logs. The client secret belongs only in the token request (preferably its form body).',
  judge(obs) {
    const offending = obs.journal.filter((e) =>
      e.secretsInUrl.some((s) => s.kind === 'token' || s.kind === 'webhook-secret' || (s.kind === 'client-secret' && !isTokenRequest(e))),
    );
    if (obs.journal.length === 0) return { verdict: 'inconclusive', summary: 'The integration sent no request.', evidence: [] };
    if (offending.length === 0) {
      return { verdict: 'pass', summary: `None of ${obs.journal.length} request URLs carried a token or secret.`, evidence: [] };
    }
    return {
      verdict: 'fail',
      summary: `${offending.length} request(s) carried a token or secret in the URL.`,
      evidence: firstOf(
        offending.map((e) =>
          requestEvidence(obs, e, e.secretsInUrl.map((s) => `${s.kind} in ${s.where}${s.param ? ` (${s.param})` : ''}`).join(', ')),
        ),
      ),
    };
  },
});
