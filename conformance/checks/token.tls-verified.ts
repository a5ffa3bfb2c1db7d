import type { BadTlsKind } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive, isTokenRequest, requestEvidence, secondsAt } from './check.ts';

/** What Node and Python print when a program turned certificate verification off. */
const INSECURE_WARNING = /NODE_TLS_REJECT_UNAUTHORIZED|InsecureRequestWarning|certificate verification is disabled/i;

/** What is wrong with each listener's certificate, in words. */
const KIND_WORDS: Record<BadTlsKind, string> = {
  'untrusted-ca': 'a certificate from an unknown CA',
  'wrong-host': 'a certificate for another host name',
  expired: 'an expired certificate',
  'self-signed': 'a self-signed certificate',
  'not-yet-valid': 'a certificate not valid yet',
  'missing-intermediate': 'a certificate served without its intermediate CA',
};

/** `expired (an expired certificate)`. */
const named = (kind: string) => (kind in KIND_WORDS ? `${kind} (${KIND_WORDS[kind as BadTlsKind]})` : kind);

export default defineCheck({
  id: 'token.tls-verified',
  title: 'The integration refuses a server whose TLS certificate is not trusted',
  section: 'Token handling',
  required: true,
  phases: [],
  remediation:
    'Never turn certificate verification off (NODE_TLS_REJECT_UNAUTHORIZED=0, verify=False, InsecureSkipVerify…): trust a private CA by adding it (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE), so a man in the middle never receives your credentials.',
  judge(obs) {
    if (obs.tlsRuns.length === 0) return inconclusive('The runs against listeners with bad certificates did not take place.');
    const leaked = obs.journal.filter((e) => e.listener.startsWith('bad-tls:'));
    const warnings = obs.logs.filter((l) => INSECURE_WARNING.test(l.text));
    const evidence: Evidence[] = [
      ...firstOf(
        leaked.map((e) =>
          requestEvidence(
            obs,
            e,
            `${named(e.listener.slice(8))} accepted${isTokenRequest(e) && e.credentialsIn ? ': client secret sent' : e.tokenMasked ? `: token ${e.tokenMasked} sent` : ''}`,
          ),
        ),
        6,
      ),
      ...warnings.slice(0, 3).map((l): Evidence => ({ kind: 'log', stream: l.stream, at: secondsAt(obs, l.mono), text: l.text, note: 'TLS verification turned off' })),
    ];
    if (leaked.length > 0) {
      const kinds = [...new Set(leaked.map((e) => e.listener.slice(8)))];
      const credentials = leaked.some((e) => (isTokenRequest(e) && e.credentialsIn) || e.tokenMasked);
      return {
        verdict: 'fail',
        summary: `The integration completed ${leaked.length} HTTP request(s) to servers with a bad certificate (${kinds.join(', ')})${credentials ? ', sending its credentials' : '; no credentials were sent'}.`,
        evidence,
      };
    }
    if (warnings.length > 0) {
      return { verdict: 'fail', summary: 'The integration printed a warning that TLS certificate verification is turned off.', evidence };
    }
    const refused = obs.tls.filter((c) => c.handshake === 'failed' && !c.listener.startsWith('api:'));
    if (refused.length === 0) {
      return inconclusive('The integration did not connect to the listeners with bad certificates at all (it may have crashed at start), so this could not be observed.');
    }
    // The first refusal at each listener, earliest first.
    const byListener = new Map<string, (typeof refused)[number]>();
    for (const c of refused) if (!byListener.has(c.listener)) byListener.set(c.listener, c);
    const first = [...byListener.values()].sort((a, b) => a.mono - b.mono);
    const kinds = first.map((c) => c.listener);
    const unseen = obs.tlsRuns.filter((kind) => !kinds.includes(kind));
    return {
      verdict: 'pass',
      summary:
        unseen.length === 0
          ? `The integration refused every bad certificate (${kinds.join(', ')}) and sent no request.`
          : `The integration refused every bad certificate it was shown (${kinds.join(', ')}) and sent no request; it did not connect to ${unseen.join(', ')}.`,
      evidence: first.map((c): Evidence => ({ kind: 'note', text: `${named(c.listener)}: handshake refused (${c.error ?? 'no reason given'})` })),
    };
  },
});
