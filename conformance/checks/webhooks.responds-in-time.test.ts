import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.responds-in-time.ts';
import { context, metric, observations } from './test/journal.ts';
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
