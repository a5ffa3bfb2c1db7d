import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import type { LogLine, WebhookObservations } from './observations.ts';
import check from './webhooks.ignores-unknown-events.ts';
import { context, monoAt, observations } from './test/journal.ts';
import { UNKNOWN_ID, UNKNOWN_LABEL, change, delivery, timedOut, webhookRun } from './test/webhooks.ts';

const judge = (webhook: WebhookObservations, logs: LogLine[] = []) => check.judge(observations({ webhook, logs }));
const WHAT = `An event of a type the platform does not define (${UNKNOWN_LABEL}, id ${UNKNOWN_ID}), correctly authenticated,`;

describe('webhooks.ignores-unknown-events', () => {
  it('passes when the event of an unknown type got 2xx, the process kept running and nothing changed', () => {
    const finding = judge(webhookRun({ unknown: {} }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(`${WHAT} was answered 202 in 12 ms; the integration kept running and left the mock's data as it was.`);
    expect(finding.evidence).toEqual([expect.objectContaining({ kind: 'delivery', seq: 8, eventId: UNKNOWN_ID, status: 202, note: expect.stringContaining(UNKNOWN_LABEL) })]);
  });

  it('fails (a warning: it is advisory) an event of an unknown type refused with 4xx or 5xx, and shows the answer', () => {
    for (const status of [400, 422, 500]) {
      const finding = judge(webhookRun({ unknown: { status } }));
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toBe(`${WHAT} was answered ${status}, not 2xx: the platform takes that for a failed delivery and sends it again.`);
      expect(finding.evidence).toEqual([expect.objectContaining({ kind: 'delivery', seq: 8, status })]);
    }
    const result = runCheck(check, observations({ webhook: webhookRun({ unknown: { status: 400 } }) }), context({ webhook: true }));
    expect(result.verdict).toBe('warn');
    expect(result.remediation).toMatch(/for a type you do not handle, answer 2xx and do nothing/);
  });

  it('judges the http:// fallback of an https:// attempt answered in plain HTTP (that is webhooks.https\'s finding)', () => {
    const w = webhookRun({ unknown: { plainHttpOnly: true, status: null, error: 'ERR_SSL_WRONG_VERSION_NUMBER' } });
    const fallback = delivery({ seq: 8.5, at: 14, eventId: UNKNOWN_ID, url: 'http://127.0.0.1:41000/webhooks/omnium', plainHttpOnly: true, fallback: true });
    w.deliveries = [...w.deliveries, fallback];
    w.unknownEvent = { ...w.unknownEvent!, seqs: [8, 8.5] };
    expect(judge(w)).toMatchObject({ verdict: 'pass', evidence: [expect.objectContaining({ seq: 8.5, status: 202 })] });
    w.deliveries = w.deliveries.filter((r) => r.seq !== 8.5);
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: `The event of an unknown type (${UNKNOWN_LABEL}) did not reach the endpoint (ERR_SSL_WRONG_VERSION_NUMBER).` });
  });

  it('fails an event of an unknown type that timed out', () => {
    const finding = judge(webhookRun({ unknown: timedOut(10_000) }));
    expect(finding).toMatchObject({ verdict: 'fail', summary: `${WHAT} got no answer within 10000 ms (timeout), not 2xx: the platform takes that for a failed delivery and sends it again.` });
  });

  it('fails when the integration ended after it, with the exit, the time and the exception it printed', () => {
    const w = webhookRun({ unknown: { status: null, error: 'ECONNRESET' }, unknownStep: { exit: { code: 1, signal: null, mono: monoAt(14.3) }, settled: false } });
    const logs = [
      { stream: 'stderr' as const, mono: monoAt(14.2), run: 'test' as const, text: "TypeError: Cannot read properties of undefined (reading 'lineItems')" },
      { stream: 'stderr' as const, mono: monoAt(14.25), run: 'test' as const, text: '    at processEvent (app.mjs:73:20)' },
    ];
    const finding = judge(w, logs);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `${WHAT} got ECONNRESET, not 2xx: the platform takes that for a failed delivery and sends it again; the integration exited with code 1, 0.3 s after it was sent.`,
    );
    expect(finding.evidence).toEqual([
      expect.objectContaining({ kind: 'delivery', seq: 8 }),
      { kind: 'note', text: 'the integration exited with code 1 at 14.3 s' },
      expect.objectContaining({ kind: 'log', stream: 'stderr', text: "TypeError: Cannot read properties of undefined (reading 'lineItems')", note: 'what it printed as it ended' }),
    ]);
  });

  it('fails an event of an unknown type answered 2xx that the process died of afterwards, by a signal', () => {
    const w = webhookRun({ unknown: {}, unknownStep: { exit: { code: null, signal: 'SIGSEGV', mono: monoAt(15) } } });
    expect(judge(w)).toMatchObject({ verdict: 'fail', summary: `${WHAT} was answered 202; the integration was ended by SIGSEGV, 1 s after it was sent.` });
  });

  it('fails an event of an unknown type that changed the data (taken for an order event), and shows the change', () => {
    const w = webhookRun({ unknown: {}, unknownStep: { changes: [change('SKU-1@oslo-online', 'modified', '2026-01-12T09:00:08Z', '2026-01-12T09:00:14Z'), change('SKU-1@oslo-online', 'reservedInventory', 3, 5)] } });
    const finding = judge(w);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `${WHAT} was answered 202; it changed the mock's data, as if it were an event the integration handles: inventory SKU-1@oslo-online reservedInventory: 3 → 5; and 1 more.`,
    );
    expect(finding.evidence.filter((e) => e.kind === 'change')).toEqual([
      expect.objectContaining({ key: 'SKU-1@oslo-online', field: 'modified', note: 'changed after the event of an unknown type' }),
      expect.objectContaining({ key: 'SKU-1@oslo-online', field: 'reservedInventory', before: 3, after: 5 }),
    ]);
  });

  it('names the side-effect probe when it reported the change', () => {
    const w = webhookRun({ unknown: {}, unknownStep: { changes: [change('output', 'bookings', 1, 2, 'probe')] } });
    w.probe = true;
    expect(judge(w)).toMatchObject({ verdict: 'fail', summary: expect.stringContaining("it changed the mock's data and the side-effect probe's output, as if it were an event the integration handles: probe output bookings: 1 → 2") });
  });

  it('is inconclusive when changes followed but the integration was still writing after the duplicates', () => {
    const w = webhookRun({ unknown: {}, unknownStep: { changes: [change('SKU-1@oslo-online', 'reservedInventory', 3, 5)] }, step: { duplicates: { settled: false } } });
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/still writing after the duplicates/) });
  });

  it('is inconclusive when the side-effect probe failed and nothing else was wrong', () => {
    const w = webhookRun({ unknown: {}, unknownStep: { probeError: 'the side-effect probe (webhook.idempotencyProbe) failed: exit 1' } });
    expect(judge(w)).toMatchObject({ verdict: 'inconclusive', summary: expect.stringMatching(/failed: exit 1, so effects outside the mock could not be compared/) });
  });

  it('is inconclusive when the event was not sent: the phase ended first, or nothing could be delivered', () => {
    expect(judge(webhookRun())).toMatchObject({ verdict: 'inconclusive', summary: 'The event of an unknown type was not sent (the webhook phase ended first).' });
    const nothing = { ...webhookRun(), first: null, problem: 'the webhook phase did not run (the integration stopped before it)' };
    expect(judge(nothing)).toMatchObject({ verdict: 'inconclusive', summary: 'Nothing could be delivered: the webhook phase did not run (the integration stopped before it).' });
  });

  it('is not applicable without a webhook endpoint, and judges nothing', () => {
    expect(runCheck(check, observations({ webhook: null }), context({ webhook: false }))).toMatchObject({
      verdict: 'not-applicable',
      summary: 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.',
    });
  });
});
