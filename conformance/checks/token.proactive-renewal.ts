import type { JournalEntry } from '../../mock-server/index.ts';
import { defineCheck, exchangesCredentials, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseTraffic, requestEvidence } from './check.ts';

const wallSeconds = (e: JournalEntry) => Date.parse(e.time) / 1000;

export default defineCheck({
  id: 'token.proactive-renewal',
  title: 'A new token is obtained before the old one expires',
  section: 'Token handling',
  required: true,
  phases: ['revoked-token', 'short-lived-tokens'],
  appliesTo: exchangesCredentials,
  remediation:
    'Track the expiry of the token (the JWT exp claim, or expiresIn of the JSON response) and request a new one a little before it (for example at 80 % of its lifetime), instead of waiting for a 401.',
  judge(obs) {
    const revoked = phase(obs, 'revoked-token');
    const short = phase(obs, 'short-lived-tokens');
    if (!short?.completed) return phaseMissing('short-lived-tokens', short);
    const from = revoked?.startMono ?? short.startMono;
    const traffic = phaseTraffic(obs, short, from, short.endMono);
    const expired = traffic.filter((e) => e.tokenExpired);
    const lifetime = short.params.tokenLifetimeSeconds;
    if (expired.length > 0) {
      return {
        verdict: 'fail',
        summary: `${expired.length} request(s) arrived with an expired token during the short-lived-token phase (tokens lived ${lifetime} s).`,
        evidence: firstOf(expired.map((e) => requestEvidence(obs, e, 'expired token'))),
      };
    }
    const issued = traffic.filter((e) => isTokenRequest(e) && e.status === 200 && e.issued);
    const renewals: JournalEntry[] = [];
    for (let i = 1; i < issued.length; i++) {
      const previous = issued[i - 1]!;
      if (wallSeconds(issued[i]!) < previous.issued!.exp) renewals.push(issued[i]!);
    }
    const firstExp = issued[0]?.issued?.exp;
    const callsAfterExpiry = firstExp === undefined ? [] : traffic.filter((e) => isApiCall(e) && wallSeconds(e) >= firstExp);
    if (callsAfterExpiry.length === 0) {
      return inconclusive(
        `No API call came after the first short-lived token (${lifetime} s) had expired, so renewal could not be observed. Make the integration keep calling the API during the run.`,
      );
    }
    if (renewals.length === 0) {
      return {
        verdict: 'fail',
        summary: 'The integration kept calling after its token expired but never renewed it ahead of expiry.',
        evidence: firstOf(callsAfterExpiry.map((e) => requestEvidence(obs, e)), 3),
      };
    }
    return {
      verdict: 'pass',
      summary: `${renewals.length} token renewal(s) before expiry with ${lifetime}-second tokens; no expired token was presented.`,
      evidence: renewals.slice(0, 3).map((e) => requestEvidence(obs, e, 'renewed before the previous token expired')),
    };
  },
});
