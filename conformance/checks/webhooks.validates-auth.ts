import type { Evidence } from '../../reports/model.ts';
import type { DeliveryRecord } from '../../mock-server/index.ts';
import type { DataChange } from './observations.ts';
import { defineCheck, firstOf, inconclusive } from './check.ts';
import { changeEvidence, deliveryEvidence, hasWebhookEndpoint, isFinding, isSuccess, outcome, recordsOf, summarizeChanges, webhookPhase } from './webhook-traffic.ts';

const PROBE_WORDS = {
  'no-auth': 'no auth header',
  'wrong-token': 'a wrong token',
  'other-tenant': "another tenant's token",
  'no-signature': 'no signature',
  'wrong-signature': 'a signature made with a wrong secret',
  'tampered-body': 'a body changed after signing',
} as const;
/** What a probe sent, in words: on a signed subscription without auth, the other tenant's secret signed the body. */
const words = (r: DeliveryRecord): string => (r.probe === 'other-tenant' && r.authSent === null ? "a signature made with another tenant's secret" : PROBE_WORDS[r.probe!]);
const rejected = (status: number | null) => status === 401 || status === 403;

export default defineCheck({
  id: 'webhooks.validates-auth',
  title: 'The webhook endpoint validates the configured token or API-key header',
  section: 'Webhooks',
  required: true,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    "Check every delivery's credential before doing anything with it: the Authorization (or API-key) header against the secret configured on the event subscription, or, where the platform signs its deliveries, the signature against the HMAC of the raw body bytes with the shared secret; compare in constant time, answer 401 when it is missing or wrong, and do no work for it.",
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    if (!w.probes) return inconclusive(`The probes with bad auth were not sent${w.problem ? `: ${w.problem}` : ' (the webhook phase ended first)'}.`);
    const probes = recordsOf(w, w.probes.seqs).filter((r) => r.kind === 'probe' && !(r.plainHttpOnly && !r.fallback));
    if (probes.length === 0) return inconclusive('No probe with bad auth reached the endpoint.');
    const accepted = probes.filter((r) => isSuccess(r));
    const wrongStatus = probes.filter((r) => r.status !== null && !isSuccess(r) && !rejected(r.status));
    const unanswered = probes.filter((r) => r.status === null);
    const evidence: Evidence[] = probes.map((r) => deliveryEvidence(obs, r, `probe with ${words(r)}: ${outcome(r)}`));

    const firstRecords = recordsOf(w, w.first?.seqs ?? []).filter((r) => r.kind === 'delivery' || r.kind === 'retry');
    const good = firstRecords.find((r) => isSuccess(r));
    const refused = firstRecords.find((r) => rejected(r.status));
    // Changes the correctly authenticated delivery explains are its own: those of the records its
    // event is about (the probes are about another object), and, while its work was still going on
    // (it had not settled, or the endpoint was still busy with a delivery the connector gave up
    // on), what the side-effect probe reported. Only the rest is laid at the probes' door.
    const firstOutstanding = w.first !== null && (!w.first.settled || firstRecords.some((r) => r.timedOut));
    const own = new Set(w.accepted?.keys ?? []);
    const explains = (c: DataChange) => own.has(`${c.where} ${c.key}`) || (c.where === 'probe' && firstOutstanding && probes.every((r) => rejected(r.status)));
    const effects = w.probes.changes.filter((c) => !explains(c));
    const explained = w.probes.changes.filter(explains);
    if (explained.length > 0) {
      evidence.push({
        kind: 'note',
        text: `${explained.length} change(s) during the probes are the correctly authenticated delivery's own work (about ${w.accepted?.objectId ?? 'its object'}), not the probes': ${summarizeChanges(explained)}`,
      });
    }
    // A correctly signed delivery laid out unlike the platform's bytes (signed platforms): refused,
    // it shows a signature computed over re-serialised JSON rather than the body received.
    const relaid = recordsOf(w, w.nonCanonical?.seqs ?? []).filter((r) => r.layout === 'non-canonical');
    const relaidRefused = good ? relaid.find((r) => r.status !== null && !isSuccess(r)) : undefined;
    const relaidAccepted = relaid.find((r) => isSuccess(r));
    const problems: string[] = [];
    if (accepted.length > 0) problems.push(`${accepted.map((r) => `${words(r)} got ${r.status}`).join(', ')}: deliveries were accepted without the right secret`);
    if (wrongStatus.length > 0) problems.push(`${wrongStatus.map((r) => `${words(r)} got ${r.status}`).join(', ')}: a delivery with bad auth should get 401 (or 403)`);
    if (effects.length > 0) problems.push(`the probes changed data (${summarizeChanges(effects)})`);
    if (refused && !good) problems.push(`the delivery with the right secret was refused too (${refused.status})`);
    if (relaidRefused) {
      problems.push(
        `a delivery correctly signed over the bytes sent, but laid out unlike the platform's own JSON (whitespace, \\u escapes, keys reordered), got ${relaidRefused.status}: the signature must be computed over the raw body as received, not over JSON parsed and serialised again`,
      );
    }
    if (problems.length > 0) {
      return {
        verdict: 'fail',
        summary: `${problems.join('; ')}.`,
        evidence: [
          ...evidence,
          ...(refused && !good ? [deliveryEvidence(obs, refused, 'the right secret, refused')] : []),
          ...(relaidRefused ? [deliveryEvidence(obs, relaidRefused, 'correctly signed, laid out differently, refused')] : []),
          ...firstOf(effects.map((c) => changeEvidence(c, 'changed by a probe with bad auth')), 5),
        ],
      };
    }
    if (unanswered.length > 0) {
      return inconclusive(`${unanswered.map((r) => `${words(r)}: ${outcome(r)}`).join(', ')}: the endpoint did not answer every probe.`, evidence);
    }
    if (!good) {
      const first = firstRecords[0];
      return inconclusive(
        `Every probe with bad auth got 401/403, but the delivery with the right secret was not answered with 2xx either (${first ? outcome(first) : 'not sent'}), so whether the endpoint accepts the right secret is unknown.`,
        [...evidence, ...(first ? [deliveryEvidence(obs, first)] : [])],
      );
    }
    return {
      verdict: 'pass',
      summary: `Deliveries with ${probes.map((r) => `${words(r)} (${r.status})`).join(', ')} were refused and changed nothing${w.probes.settled ? '' : ' that golive saw before the phase ended'}; the one with the right secret got ${good.status}${relaidAccepted ? `, and one correctly signed but laid out unlike the platform's JSON got ${relaidAccepted.status} (the signature is checked over the bytes received)` : ''}.`,
      evidence: [...evidence, deliveryEvidence(obs, good, 'the right secret'), ...(relaidAccepted ? [deliveryEvidence(obs, relaidAccepted, 'correctly signed, laid out differently')] : [])],
    };
  },
});
