import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.responds-in-time.ts';
import { TEST_CLIENT, context, entry, metric, monoAt, observations } from './test/journal.ts';
import { delivery, timedOut, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations) => check.judge(observations({ webhook }));

describe('webhooks.responds-in-time', () => {
  it('passes fast answers and reports p95 and max against the timeout; a simulated timeout is not the endpoint\'s', () => {
    const w = webhookRun();
    w.deliveries = w.deliveries.map((r, i) => ({ ...r, latencyMs: r.timedOut ? r.latencyMs : 10 + i * 10 }));
    const finding = judge(w);
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('6 deliveries answered in p95 70 ms, max 70 ms, against a timeout of 10000 ms.');
    expect(metric(finding.evidence, 'p95 latency')).toBe(70);
  });

  it('fails a delivery that timed out, and shows it was sent again', () => {
    const w = webhookRun({ first: timedOut(10_003) });
    w.deliveries = [...w.deliveries, delivery({ seq: 8, at: 19, kind: 'retry', attempt: 2, ...timedOut(10_002) })];
    const finding = judge(w);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      '2 of 7 deliveries were not answered within the 10000 ms timeout (p95 10003 ms, max 10003 ms); the platform counts them as failed and sends them again (1 retry(ies) seen).',
    );
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'delivery', seq: 8, note: 'sent again after the timeout' }));
  });

  it('fails a p95 at or over 5 s with a 5 s timeout, and names the API call about the event the endpoint waited for, slowed by golive (case 96)', () => {
    // Twenty deliveries, two of them answered at 5 s and past it: p95 (the 19th) is 5000 ms.
    const w = webhookRun({ first: timedOut(5_002) });
    w.timeoutMs = 5_000;
    const fast = Array.from({ length: 17 }, (_, i) => delivery({ seq: 10 + i, at: 20 + i, eventId: `e${i}`, latencyMs: 40 }));
    w.deliveries = [...w.deliveries.map((r) => (r.seq === 1 ? r : { ...r, latencyMs: r.timedOut ? r.latencyMs : 30 })), ...fast, delivery({ seq: 30, at: 40, eventId: 'late', latencyMs: 5_000 })];
    w.slowDownstream = { ms: 5_000, seqs: [41] };
    const followUp = entry({ seq: 41, mono: monoAt(8.01), apiUser: TEST_CLIENT, method: 'GET', path: '/api/Orders/ORD-1', status: 200, latencyMs: 5_000, fault: { id: 'f9', kind: 'latency' } });
    const finding = check.judge(observations({ webhook: w, journal: [followUp] }));
    expect(finding.verdict).toBe('fail');
    expect(metric(finding.evidence, 'p95 latency')).toBeGreaterThanOrEqual(5_000);
    expect(finding.summary).toMatch(/^2 of \d+ deliveries were not answered within the 5000 ms timeout \(p95 5000 ms, max 5002 ms\)/);
    expect(finding.summary).toContain(
      'It made 1 API call(s) about the event before answering, which golive slowed by 5000 ms to stand for a slow downstream: answer first, then do that work.',
    );
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({ kind: 'request', seq: 41, path: '/api/Orders/ORD-1', note: 'made before the endpoint answered, slowed by 5000 ms (a slow downstream)' }),
    );
  });

  it('passes an endpoint that answers first: a call made after its answer is not slowed, and p95 stays under 5 s', () => {
    const w = webhookRun();
    w.timeoutMs = 5_000;
    w.slowDownstream = { ms: 5_000, seqs: [] };
    expect(judge(w).verdict).toBe('pass');
  });

  it('fails an answer that came exactly at the timeout', () => {
    const w = webhookRun({ first: { latencyMs: 10_000 } });
    expect(judge(w).verdict).toBe('fail');
  });

  it('is inconclusive when no delivery was answered', () => {
    const w = webhookRun();
    w.deliveries = [delivery({ status: null, error: 'ECONNREFUSED' })];
    expect(judge(w).verdict).toBe('inconclusive');
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });
});
