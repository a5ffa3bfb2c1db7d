import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { WebhookObservations } from './observations.ts';
import check from './webhooks.idempotent.ts';
import { context, observations } from './test/journal.ts';
import { EVENT_ID, change, timedOut, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations) => check.judge(observations({ webhook }));

describe('webhooks.idempotent', () => {
  it('passes when the duplicates leave the data as the first delivery left it', () => {
    const finding = judge(webhookRun());
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      `The same event (id ${EVENT_ID}) delivered 3 more time(s), at once and after a simulated timeout, left the mock's data as the first delivery had left them (the first delivery changed 2 field(s)).`,
    );
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'delivery', seq: 6, note: expect.stringMatching(/simulated timeout/) }));
  });

  it('passes a receiver that dedupes by order id and status rather than event id: its effect is idempotent', () => {
    // Such a receiver answers every duplicate 200 and works again, but its work finds nothing left to do.
    const finding = judge(webhookRun({ duplicates: { status: 200 }, duplicateChanges: [] }));
    expect(finding.verdict).toBe('pass');
  });

  it('fails when a duplicate changed the data again, and shows the diff with the telling field first', () => {
    const finding = judge(
      webhookRun({
        duplicateChanges: [
          change('SKU-1@oslo-online', 'modified', '2026-01-12T09:00:08Z', '2026-01-12T09:00:12Z'),
          change('SKU-1@oslo-online', 'reservedInventory', 3, 7),
        ],
      }),
    );
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `The same event (id ${EVENT_ID}) delivered 3 more time(s) changed the mock's data again: inventory SKU-1@oslo-online reservedInventory: 3 → 7; and 1 more.`,
    );
    expect(finding.evidence.filter((e) => e.kind === 'change')).toHaveLength(2);
  });

  it('fails when a duplicate is refused (409, 500) though the data was left alone: the platform would send it again (case 94)', () => {
    for (const status of [409, 500]) {
      const finding = judge(webhookRun({ duplicates: { status }, duplicateChanges: [] }));
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toMatch(new RegExp(`answered ${status}, not 2xx`));
      expect(finding.evidence.filter((e) => e.kind === 'delivery').map((e) => (e as { seq: number }).seq)).toEqual([1, 5, 7]);
    }
  });

  it("fails on a change the side-effect probe reports, and names the probe", () => {
    const w = webhookRun({ duplicateChanges: [change('output', 'bookings', 1, 3, 'probe')] });
    w.probe = true;
    expect(judge(w)).toMatchObject({ verdict: 'fail', summary: expect.stringMatching(/changed the mock's data and the side-effect probe's output again: probe output bookings: 1 → 3/) });
  });

  it('is inconclusive when the first delivery was not accepted', () => {
    expect(judge(webhookRun({ first: timedOut(10_000) }))).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/first delivery of the event was not accepted/) });
  });

  it('is inconclusive when the integration was still writing after the first delivery', () => {
    const w = webhookRun({ duplicateChanges: [change('SKU-1@oslo-online', 'reservedInventory', 3, 7)], step: { first: { settled: false } } });
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/still writing/) });
  });

  it('is inconclusive when the side-effect probe failed', () => {
    const w = webhookRun({ step: { duplicates: { probeError: 'the side-effect probe (webhook.idempotencyProbe) failed: exit 1' } } });
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/probe.*failed: exit 1, so effects outside the mock/) });
  });

  it('is inconclusive when no duplicate reached the endpoint, or none was sent', () => {
    expect(judge(webhookRun({ duplicates: { status: null, error: 'ECONNRESET' } })).verdict).toBe('pass'); // the simulated timeout still reached it
    const unreachable = webhookRun({ duplicates: { status: null, error: 'ECONNREFUSED' } });
    unreachable.deliveries = unreachable.deliveries.map((r) => (r.seq === 6 ? { ...r, timedOut: false, error: 'ECONNREFUSED' } : r));
    expect(judge(unreachable).verdict).toBe('inconclusive');
    expect(judge(webhookRun({ without: ['duplicates'] })).verdict).toBe('inconclusive');
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });
});
