import { defineCheck, firstOf, inconclusive, isTokenRequest, requestEvidence, testUsers } from './check.ts';

export default defineCheck({
  id: 'credentials.test-not-in-production',
  title: 'Test and production use different API users and tokens',
  section: 'Credentials',
  required: true,
  phases: [],
  remediation:
    'Create a separate API user in each environment and configure each deployment with its own credentials; never carry a token, cached or not, from the test environment to production (cache tokens per environment and API URL).',
  judge(obs) {
    const production = obs.journal.filter((e) => e.environment === 'production');
    if (!obs.clients.production) return inconclusive('The production run did not take place.');
    if (production.length === 0) {
      return inconclusive('The integration made no request in its production run, so the separation of environments could not be observed.');
    }
    const testTokens = new Set(obs.journal.filter((e) => e.environment === 'test' && e.issued).map((e) => e.issued!.fingerprint));
    const prodTokens = new Set(production.filter((e) => e.issued).map((e) => e.issued!.fingerprint));
    const crossed = [
      ...production.filter((e) => e.tokenFingerprint && testTokens.has(e.tokenFingerprint)).map((e) => requestEvidence(obs, e, 'token issued in test, sent to production')),
      ...production.filter((e) => isTokenRequest(e) && e.apiUser !== null && testUsers(obs).has(e.apiUser)).map((e) => requestEvidence(obs, e, 'test credentials used in production')),
      ...obs.journal
        .filter((e) => e.environment === 'test' && isTokenRequest(e) && e.apiUser === obs.clients.production)
        .map((e) => requestEvidence(obs, e, 'production credentials used in test')),
      ...obs.journal
        .filter((e) => e.environment === 'test' && e.tokenFingerprint && prodTokens.has(e.tokenFingerprint))
        .map((e) => requestEvidence(obs, e, 'token issued in production, sent to test')),
    ];
    if (crossed.length === 0) {
      return { verdict: 'pass', summary: `The production run made ${production.length} request(s), all with production credentials and tokens.`, evidence: [] };
    }
    return { verdict: 'fail', summary: `${crossed.length} request(s) crossed environments.`, evidence: firstOf(crossed) };
  },
});
