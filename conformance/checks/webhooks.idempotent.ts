import { defineCheck, firstOf, inconclusive } from './check.ts';
import { changeEvidence, deliveryEvidence, hasWebhookEndpoint, isFinding, isSuccess, outcome, recordsOf, summarizeChanges, webhookPhase } from './webhook-traffic.ts';

export default defineCheck({
  id: 'webhooks.idempotent',
  title: 'Receiving the same event more than once has the effect of receiving it once',
  section: 'Webhooks',
  required: true,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    'Webhooks are delivered at least once: the same event (same id) can arrive again, after a timeout or a retry. Track the ids of processed events (or make the work itself idempotent, e.g. keyed by order id and status) and skip duplicates, still answering 2xx.',
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    const dup = w.duplicates;
    if (!dup) return inconclusive(`The duplicate deliveries were not sent${w.problem ? `: ${w.problem}` : ' (the webhook phase ended first)'}.`);
    const first = recordsOf(w, w.first?.seqs ?? []).filter((r) => (r.kind === 'delivery' || r.kind === 'retry') && r.seq < Math.min(...dup.seqs, Infinity));
    const accepted = first.find(isSuccess);
    if (!accepted) {
      return inconclusive(
        `The first delivery of the event was not accepted (${first[0] ? outcome(first[0]) : 'not sent'}), so the effect of receiving it once is unknown and duplicates cannot be compared with it.`,
        first.slice(0, 2).map((r) => deliveryEvidence(obs, r)),
      );
    }
    const probeError = w.first?.probeError ?? dup.probeError;
    if (probeError) return inconclusive(`${probeError}, so effects outside the mock could not be compared.`);
    const sends = recordsOf(w, dup.seqs).filter((r) => r.kind === 'duplicate' || r.kind === 'retry');
    const reached = sends.filter((r) => r.status !== null || r.timedOut);
    if (reached.length === 0) {
      return inconclusive(`No duplicate reached the endpoint (${sends[0] ? outcome(sends[0]) : 'none sent'}).`, sends.slice(0, 2).map((r) => deliveryEvidence(obs, r)));
    }
    const simulated = new Set(w.simulatedTimeouts);
    const evidence = [
      deliveryEvidence(obs, accepted, 'first delivery'),
      ...reached.map((r) => deliveryEvidence(obs, r, simulated.has(r.seq) ? 'duplicate, cut short after 50 ms (a simulated timeout)' : r.note)),
    ];
    const where = w.probe ? "the mock's data and the side-effect probe's output" : "the mock's data";
    const changes = dup.changes;
    if (changes.length > 0) {
      // The integration still working on the first delivery when the duplicates came is not a duplicate's effect.
      if (w.first && !w.first.settled) {
        return inconclusive(`The integration was still writing after the first delivery when the duplicates were sent, so the changes that followed cannot be told apart.`, evidence);
      }
      return {
        verdict: 'fail',
        summary: `The same event (id ${dup.eventId}) delivered ${reached.length} more time(s) changed ${where} again: ${summarizeChanges(changes)}.`,
        evidence: [...evidence, ...firstOf(changes.map((c) => changeEvidence(c, 'changed by a duplicate')), 10)],
      };
    }
    // A duplicate refused (409, 500…) counts as a failed delivery: the platform sends it again
    // and again until its retries run out, then may pause the subscription.
    const refused = reached.filter((r) => r.status !== null && !isSuccess(r));
    if (refused.length > 0) {
      return {
        verdict: 'fail',
        summary: `The same event (id ${dup.eventId}) delivered again was answered ${[...new Set(refused.map(outcome))].join(', ')}, not 2xx: the data was left alone, but the platform takes a refused delivery as failed and sends it again until its retries run out. Skip a duplicate and still answer 2xx.`,
        evidence: evidence.filter((e) => e.kind !== 'delivery' || e.seq === accepted.seq || refused.some((r) => r.seq === e.seq)),
      };
    }
    const firstEffects = w.first?.changes.length ?? 0;
    return {
      verdict: 'pass',
      summary:
        `The same event (id ${dup.eventId}) delivered ${reached.length} more time(s), at once and after a simulated timeout, left ${where} as the first delivery had left them` +
        (firstEffects > 0
          ? ` (the first delivery changed ${firstEffects} field(s)).`
          : '. The first delivery changed nothing golive can see either: if the integration keeps its effects elsewhere, configure webhook.idempotencyProbe.') +
        (dup.settled ? '' : ' golive stopped watching before the integration had been quiet for long.'),
      evidence,
    };
  },
});
