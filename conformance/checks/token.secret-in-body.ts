import { defineCheck, exchangesCredentials, firstOf, isTokenRequest, requestEvidence } from './check.ts';

export default defineCheck({
  id: 'token.secret-in-body',
  title: 'The token request carries the client secret in a form body',
  section: 'Token handling',
  required: false,
  phases: [],
  appliesTo: exchangesCredentials,
  remediation: ({ facts }) =>
    `Send the credentials in the body of the token request (${facts.tokenEndpoints.join(', ') || 'the token endpoint'}, in the form the platform documents), not in the query string, which proxies and servers write to their access logs.`,
  judge(obs) {
    const requests = obs.journal.filter((e) => isTokenRequest(e) && e.credentialsIn !== null);
    if (requests.length === 0) return { verdict: 'inconclusive', summary: 'The integration made no token request with credentials.', evidence: [] };
    const inQuery = requests.filter((e) => e.credentialsIn === 'query' || e.credentialsIn === 'both');
    if (inQuery.length === 0) {
      // Where the platform takes it: a form body (Omnium), or a header (an API token as a bearer).
      const where = [...new Set(requests.map((e) => (e.credentialsIn === 'header' ? 'a header' : 'the body')))].join(' or ');
      return { verdict: 'pass', summary: `All ${requests.length} token request(s) sent the secret in ${where}, never in the query string.`, evidence: [] };
    }
    return {
      verdict: 'fail',
      summary: `${inQuery.length} of ${requests.length} token request(s) sent the client secret in the query string.`,
      evidence: firstOf(inQuery.map((e) => requestEvidence(obs, e, 'clientSecret in the query string'))),
    };
  },
});
