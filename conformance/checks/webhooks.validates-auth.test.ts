import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.validates-auth.ts';
import { context, observations } from './test/journal.ts';
import { change, timedOut, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations) => check.judge(observations({ webhook }));

describe('webhooks.validates-auth', () => {
  it('passes when every probe gets 401 or 403, changes nothing, and the right secret gets 2xx', () => {
    const finding = judge(webhookRun({ probes: [{ status: 401 }, { status: 403 }, { status: 401 }] }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      "Deliveries with no auth header (401), a wrong token (403), another tenant's token (401) were refused and changed nothing; the one with the right secret got 202.",
    );
    expect(finding.evidence.filter((e) => e.kind === 'delivery')).toHaveLength(4);
  });

  it('judges signed deliveries by their signature probes: passes when all four are refused', () => {
    const finding = judge(webhookRun({ signed: true, probes: { status: 401 } }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      "Deliveries with no signature (401), a signature made with a wrong secret (401), a body changed after signing (401), a signature made with another tenant's secret (401) were refused and changed nothing; the one with the right secret got 202.",
    );
  });

  it('fails a receiver that checks a signature is present but not that it matches the body it got', () => {
    const finding = judge(webhookRun({ signed: true, probes: [{ status: 401 }, { status: 401 }, { status: 202 }, { status: 401 }] }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^a body changed after signing got 202: deliveries were accepted without the right secret/);
  });

  it('fails a receiver that refuses a correctly signed body laid out unlike the platform: it hashed re-serialised JSON, not the bytes (case 93)', () => {
    const finding = judge(webhookRun({ signed: true, probes: { status: 401 }, relaid: { status: 401 } }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^a delivery correctly signed over the bytes sent, but laid out unlike the platform's own JSON .* got 401: the signature must be computed over the raw body as received/);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'delivery', note: expect.stringMatching(/laid out differently, refused/) }));
  });

  it('passes a receiver that accepts the correctly signed, differently laid out body, and says so', () => {
    const finding = judge(webhookRun({ signed: true, probes: { status: 401 }, relaid: { status: 200 } }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toMatch(/one correctly signed but laid out unlike the platform's JSON got 200 \(the signature is checked over the bytes received\)\.$/);
  });

  it('fails a receiver that takes any signature (or none)', () => {
    const finding = judge(webhookRun({ signed: true, probes: { status: 200 } }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^no signature got 200, a signature made with a wrong secret got 200, a body changed after signing got 200, a signature made with another tenant's secret got 200/);
  });

  it('fails an endpoint that accepts a delivery without the right secret', () => {
    const finding = judge(webhookRun({ probes: [{ status: 202 }, { status: 401 }, { status: 202 }] }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^no auth header got 202, another tenant's token got 202: deliveries were accepted without the right secret/);
  });

  it('fails a probe answered 401 that still changed data, and shows the change', () => {
    const finding = judge(webhookRun({ probeChanges: [change('SKU-1@oslo-online', 'reservedInventory', 3, 5)] }));
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/the probes changed data \(inventory SKU-1@oslo-online reservedInventory: 3 → 5\)/);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'change', key: 'SKU-1@oslo-online', before: 3, after: 5 }));
  });

  it('lays the work of a slow endpoint, still busy with the right delivery, at that delivery’s door and not the probes’', () => {
    // The endpoint works before answering: the right delivery timed out, and its work on its own order landed while the probes were refused.
    const slow = webhookRun({
      first: timedOut(10_000),
      firstChanges: [],
      step: { first: { settled: false } },
      probeChanges: [change('SKU-1@oslo-online', 'reservedInventory', 3, 5)],
      extra: { accepted: { objectId: 'ORD-1', keys: ['orders ORD-1', 'inventory SKU-1@oslo-online'] } },
    });

    const finding = judge(slow);

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).not.toMatch(/changed data/);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'note', text: expect.stringMatching(/own work \(about ORD-1\)/) }));
  });

  it('still fails a change to another order’s records (the probes’ order) while the right delivery is busy', () => {
    const finding = judge(
      webhookRun({
        first: timedOut(10_000),
        step: { first: { settled: false } },
        probeChanges: [change('SKU-9@oslo-online', 'reservedInventory', 0, 2)],
        extra: { accepted: { objectId: 'ORD-1', keys: ['orders ORD-1', 'inventory SKU-1@oslo-online'] } },
      }),
    );
    expect(finding).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/the probes changed data \(inventory SKU-9@oslo-online/) });
  });

  it('fails a refusal with a status other than 401 or 403', () => {
    const finding = judge(webhookRun({ probes: [{ status: 400 }, { status: 401 }, { status: 401 }] }));
    expect(finding).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/no auth header got 400: a delivery with bad auth should get 401/) });
  });

  it('fails an endpoint that refuses the right secret as well', () => {
    const finding = judge(webhookRun({ first: { status: 401 } }));
    expect(finding).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/the right secret was refused too \(401\)/) });
  });

  it('is inconclusive when the right secret got no answer in time', () => {
    const finding = judge(webhookRun({ first: timedOut(10_000) }));
    expect(finding).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/right secret was not answered with 2xx either \(no answer within 10000 ms/) });
  });

  it('is inconclusive when a probe got no answer, and when the probes were never sent', () => {
    expect(judge(webhookRun({ probes: [{}, timedOut(10_000), {}] })).verdict).toBe('inconclusive');
    expect(judge(webhookRun({ without: ['probes', 'duplicates'] })).verdict).toBe('inconclusive');
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });
});
