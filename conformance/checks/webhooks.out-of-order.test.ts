import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.out-of-order.ts';
import { context, observations } from './test/journal.ts';
import { change, outOfOrderRun, timedOut, twinBooking, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations) => check.judge(observations({ webhook }));
const result = (webhook: WebhookObservations) => runCheck(check, observations({ webhook }), context({ webhook: true }));

describe('webhooks.out-of-order', () => {
  it('passes when the twin told out of order was left as the one told in order: the same fields moved by as much, times compared as times, ids aside', () => {
    const finding = judge(outOfOrderRun());
    expect(finding).toMatchObject({
      verdict: 'pass',
      summary: "Objects ORD-2001 (created, then changed) and ORD-2002 (changed, then created) left the mock's data alike, ids aside (3 field(s) changed for each).",
    });
    expect(finding.evidence.filter((e) => e.kind === 'delivery').map((e) => (e as { note?: string }).note)).toEqual([
      'in order: created',
      'out of order: changed, before created',
      'in order: changed, after created',
      'out of order: created, after changed',
    ]);
  });

  it('passes, and says so, when neither twin changed anything golive can see', () => {
    expect(judge(outOfOrderRun({ inOrderChanges: [], outOfOrderChanges: [] })).summary).toMatch(/Neither changed anything golive can see: .*webhook\.idempotencyProbe/);
  });

  it('fails (a warning: it is advisory) a regressed status written back on the twin told out of order, and shows both', () => {
    const w = outOfOrderRun({
      inOrderChanges: [],
      outOfOrderChanges: [change('ORD-2002', 'status', 'InProgress', 'New', 'orders')],
    });
    const r = result(w);
    expect(r.verdict).toBe('warn');
    expect(r.summary).toBe(
      "Two new objects alike but for their ids, each created and then changed, were told so in order and out of order, and left the mock's data unlike each other ({id0} stands for each one's id): orders {id0} status: not changed in order, \"InProgress\" → \"New\" out of order.",
    );
    expect(r.evidence).toContainEqual(expect.objectContaining({ kind: 'change', key: 'ORD-2002', field: 'status', after: 'New', note: 'out of order (ORD-2002)' }));
  });

  it('fails a missing effect on the twin told out of order: its "changed" came first and was dropped', () => {
    const w = outOfOrderRun({ outOfOrderChanges: twinBooking('ORD-2002', ['SKU-20', 'SKU-21'], [7, 30]).slice(0, 2) });
    const finding = judge(w);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/inventory \{id3\}@oslo-online reservedInventory: \+2 in order, not changed out of order/);
  });

  it('fails a different value (segment from the stale body) and a probe line that differs, naming the probe', () => {
    const w = outOfOrderRun({
      inOrderChanges: [change('output', 'ORD-2001.status', undefined, 'InProgress', 'probe')],
      outOfOrderChanges: [change('output', 'ORD-2002.status', undefined, 'New', 'probe')],
    });
    w.probe = true;
    expect(judge(w)).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/left the mock's data and the side-effect probe's output unlike each other .*probe output \{id0\}\.status: added "InProgress" in order, added "New" out of order/),
    });
  });

  it('fails when the twin told out of order was refused, and says how it was answered', () => {
    const w = outOfOrderRun({ outcomes: { outOfOrderChanged: { status: 404 } }, outOfOrderChanges: [] });
    expect(judge(w)).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/out of order \(the out-of-order events were answered 404, 202\)/) });
  });

  it('is inconclusive when the in-order twin was not accepted: what the events should leave is unknown', () => {
    expect(judge(outOfOrderRun({ outcomes: { inOrderChanged: timedOut(10_000) } }))).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/not all accepted \(no answer within 10000 ms \(timeout\)\)/) });
  });

  it('is inconclusive when the integration was still at work, or the probe failed', () => {
    const differs = { outOfOrderChanges: [] };
    expect(judge(outOfOrderRun({ ...differs, step: { settled: false } })).verdict).toBe('inconclusive');
    expect(judge(outOfOrderRun({ step: { probeError: 'the side-effect probe (webhook.idempotencyProbe) failed: exit 1' } })).summary).toMatch(/failed: exit 1, so effects outside the mock/);
  });

  it('is inconclusive when the step was not taken, and not applicable where the platform cannot make new objects', () => {
    expect(judge(webhookRun()).verdict).toBe('inconclusive');
    expect(judge({ ...webhookRun(), outOfOrder: { unavailable: 'Acme has no way for golive to make a new object' } })).toMatchObject({ verdict: 'not-applicable' });
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });
});
