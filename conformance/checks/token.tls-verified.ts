import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive, isTokenRequest, requestEvidence, secondsAt } from './check.ts';

/** What Node and Python print when a program turned certificate verification off. */
const INSECURE_WARNING = /NODE_TLS_REJECT_UNAUTHORIZED|InsecureRequestWarning|certificate verification is disabled/i;

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
            `${e.listener.slice(8)} certificate accepted${isTokenRequest(e) && e.credentialsIn ? ': client secret sent' : e.tokenMasked ? `: token ${e.tokenMasked} sent` : ''}`,
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
    const kinds = [...new Set(refused.map((c) => c.listener))];
    return {
      verdict: 'pass',
      summary: `The integration refused every bad certificate (${kinds.join(', ')}) and sent no request.`,
      evidence: refused.slice(0, 3).map((c): Evidence => ({ kind: 'note', text: `${c.listener}: handshake refused (${c.error ?? 'no reason given'})` })),
    };
  },
});
