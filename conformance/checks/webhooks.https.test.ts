import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.https.ts';
import { context, observations } from './test/journal.ts';
import { delivery, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations) => check.judge(observations({ webhook }));

describe('webhooks.https', () => {
  it('passes when deliveries reached the endpoint over verified HTTPS', () => {
    const finding = judge(webhookRun());
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toMatch(/7 delivery attempt\(s\) reached the endpoint over HTTPS/);
  });

  it('fails an endpoint that speaks plain HTTP, and says golive went on over http://', () => {
    const w = webhookRun();
    w.deliveries = [
      delivery({ seq: 1, status: null, error: 'ERR_SSL_WRONG_VERSION_NUMBER', plainHttpOnly: true }),
      delivery({ seq: 2, url: 'http://127.0.0.1:41000/webhooks/omnium', scheme: 'http', plainHttpOnly: true, fallback: true }),
    ];
    const finding = judge(w);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/plain HTTP.*ERR_SSL_WRONG_VERSION_NUMBER.*over http:\/\/ \(1 time/);
    expect(finding.evidence.map((e) => (e.kind === 'delivery' ? e.seq : null))).toEqual([1, 2]);
  });

  it('fails an endpoint whose certificate the connector cannot verify', () => {
    const w = webhookRun();
    w.deliveries = [delivery({ status: null, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' })];
    expect(judge(w)).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/cannot verify \(DEPTH_ZERO_SELF_SIGNED_CERT\)/) });
  });

  it('counts a delivery that timed out over HTTPS as served over HTTPS', () => {
    const w = webhookRun();
    w.deliveries = [delivery({ status: null, error: 'timeout', timedOut: true, latencyMs: 10_000 })];
    expect(judge(w).verdict).toBe('pass');
  });

  it('is inconclusive when nothing reached the endpoint', () => {
    const w = webhookRun();
    w.deliveries = [delivery({ status: null, error: 'ECONNREFUSED' })];
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/ECONNREFUSED.*WEBHOOK_PORT/) });
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });

  it('is inconclusive when the phase never ran', () => {
    const never = { ...webhookRun(), deliveries: [], first: null, probes: null, duplicates: null, problem: 'the webhook phase did not run' };
    expect(judge(never)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/did not run/) });
  });
});
