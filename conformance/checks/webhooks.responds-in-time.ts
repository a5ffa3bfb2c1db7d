import { defineCheck, firstOf, inconclusive, requestEvidence } from './check.ts';
import { round } from './error-traffic.ts';
import { deliveryEvidence, hasWebhookEndpoint, isFinding, webhookPhase } from './webhook-traffic.ts';

/** The value below which `p` of the sorted values lie (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export default defineCheck({
  id: 'webhooks.responds-in-time',
  title: 'The webhook endpoint answers within the connector timeout',
  section: 'Webhooks',
  required: true,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    'Answer 2xx as soon as the delivery is authenticated and stored, and do the work afterwards (a queue, a background task). A delivery not answered within the connector timeout counts as failed and is sent again, so slow work is also done twice.',
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    const simulated = new Set(w.simulatedTimeouts);
    // Latency of the endpoint: not the sends golive cut short on purpose, nor handshakes that never became a request.
    const timed = w.deliveries.filter((r) => !simulated.has(r.seq) && !(r.plainHttpOnly && !r.fallback) && (r.status !== null || r.timedOut));
    if (timed.length === 0) return inconclusive('No delivery was answered or timed out, so the endpoint\'s latency is unknown.');
    const latencies = timed.map((r) => r.latencyMs).sort((a, b) => a - b);
    const p95 = round(percentile(latencies, 0.95), 0);
    const max = round(latencies[latencies.length - 1]!, 0);
    const metrics = [
      { kind: 'metric' as const, name: 'p95 latency', value: p95, unit: 'ms', limit: w.timeoutMs },
      { kind: 'metric' as const, name: 'max latency', value: max, unit: 'ms', limit: w.timeoutMs },
      { kind: 'metric' as const, name: 'deliveries timed', value: timed.length },
    ];
    const late = timed.filter((r) => r.timedOut || r.latencyMs >= w.timeoutMs);
    if (late.length > 0) {
      // The retries of a late send: the same event's next attempt, of the same chain (notes carry over to retries).
      const sentAgain = w.deliveries.filter((r) => r.kind === 'retry' && late.some((l) => l.eventId === r.eventId && r.attempt === l.attempt + 1 && r.seq > l.seq && r.note === l.note));
      // Its own API calls golive slowed while a delivery waited (a slow downstream): the work it did before answering.
      const slowed = new Set(w.slowDownstream?.seqs ?? []);
      const waitedFor = slowed.size > 0 ? obs.journal.filter((e) => slowed.has(e.seq)) : [];
      const downstream =
        waitedFor.length > 0
          ? ` It made ${waitedFor.length} API call(s) about the event before answering, which golive slowed by ${w.slowDownstream!.ms} ms to stand for a slow downstream: answer first, then do that work.`
          : '';
      return {
        verdict: 'fail',
        summary: `${late.length} of ${timed.length} deliveries were not answered within the ${w.timeoutMs} ms timeout (p95 ${p95} ms, max ${max} ms); the platform counts them as failed and sends them again${sentAgain.length > 0 ? ` (${sentAgain.length} retry(ies) seen)` : ''}.${downstream}`,
        evidence: [
          ...metrics,
          ...firstOf(
            [
              ...late.map((r) => deliveryEvidence(obs, r, 'not answered in time')),
              ...waitedFor.map((e) => requestEvidence(obs, e, `made before the endpoint answered, slowed by ${w.slowDownstream!.ms} ms (a slow downstream)`)),
              ...sentAgain.map((r) => deliveryEvidence(obs, r, 'sent again after the timeout')),
            ],
            6,
          ),
        ],
      };
    }
    return {
      verdict: 'pass',
      summary: `${timed.length} deliveries answered in p95 ${p95} ms, max ${max} ms, against a timeout of ${w.timeoutMs} ms.`,
      evidence: metrics,
    };
  },
});
