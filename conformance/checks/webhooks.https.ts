import { defineCheck, firstOf } from './check.ts';
import { deliveryEvidence, hasWebhookEndpoint, isFinding, outcome, webhookPhase } from './webhook-traffic.ts';

/** Errors of a TLS handshake that failed on the certificate (as opposed to no TLS at all). */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/;

export default defineCheck({
  id: 'webhooks.https',
  title: 'The webhook endpoint serves HTTPS, not plain HTTP',
  section: 'Webhooks',
  required: true,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    'Serve the webhook endpoint over HTTPS only: deliveries carry the webhook secret and order data. golive hands the integration a certificate and key (WEBHOOK_TLS_CERT, WEBHOOK_TLS_KEY); in production use a certificate from a public CA.',
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    const plain = w.deliveries.filter((r) => r.plainHttpOnly && !r.fallback);
    if (plain.length > 0) {
      const fallbacks = w.deliveries.filter((r) => r.fallback);
      return {
        verdict: 'fail',
        summary: `The endpoint answered the TLS handshake in plain HTTP: ${plain.length} delivery attempt(s) to ${w.url} failed with ${plain[0]!.error}. golive sent them again over http:// (${fallbacks.length} time(s)) so the other webhook checks could still run; the platform would not.`,
        evidence: firstOf([...plain.slice(0, 2).map((r) => deliveryEvidence(obs, r, 'https:// attempt: the endpoint speaks plain HTTP')), ...fallbacks.slice(0, 2).map((r) => deliveryEvidence(obs, r, 'sent again over http:// by golive only'))], 4),
      };
    }
    const served = w.deliveries.filter((r) => r.scheme === 'https' && (r.status !== null || r.timedOut));
    if (served.length > 0) {
      return {
        verdict: 'pass',
        summary: `${served.length} delivery attempt(s) reached the endpoint over HTTPS, its certificate verified against the harness CA.`,
        evidence: [deliveryEvidence(obs, served[0]!)],
      };
    }
    const badCert = w.deliveries.find((r) => r.error !== null && CERTIFICATE_ERROR.test(r.error));
    if (badCert) {
      return {
        verdict: 'fail',
        summary: `The endpoint serves TLS with a certificate the connector cannot verify (${badCert.error}). Serve the certificate golive hands over in WEBHOOK_TLS_CERT and WEBHOOK_TLS_KEY.`,
        evidence: [deliveryEvidence(obs, badCert)],
      };
    }
    const first = w.deliveries[0];
    return {
      verdict: 'inconclusive',
      summary: first
        ? `No delivery reached the endpoint (${outcome(first)}), so whether it serves HTTPS is unknown. Does it listen on WEBHOOK_PORT at WEBHOOK_PATH?`
        : 'No delivery was made, so whether the endpoint serves HTTPS is unknown.',
      evidence: first ? [deliveryEvidence(obs, first)] : [],
    };
  },
});
