import { describe, expect, it } from 'vitest';
import check from './errors.network-retry-bounded.ts';
import type { JournalEntry } from '../../mock-server/index.ts';
import { ENDPOINTS, PHASES, allPhases, faulted, journal, metric, observations, phaseRecord, requestSeqs } from './test-journal.ts';

const flaky = PHASES['flaky-network'];
const runEnd = PHASES['deactivated-user'].end;

/** Phases that go on long enough after the flaky-network phase to see a 120 s timeout through. */
const longRun = () => [...allPhases().filter((p) => p.name !== 'deactivated-user'), phaseRecord('deactivated-user', { end: flaky.start + 200 })];

/**
 * The plan's faults on one request: a reset, two 503s, a hanging response the client gives up
 * on after `hangSeconds` (`null`: never), then a success.
 */
function flakyNetwork({ hangSeconds = 10 as number | null, kinds = ['reset', 'status 503', 'status 503'] } = {}) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 2, token });
  const attempts: JournalEntry[] = kinds.map((kind, i) => faulted(j, kind, { token, at: flaky.start + 0.5 + i }));
  const hang = faulted(j, 'hang', { token, at: flaky.start + 0.5 + kinds.length, abortedAfter: hangSeconds });
  const success = hangSeconds === null ? null : j.apiCall({ token, at: flaky.start + 1 + kinds.length + hangSeconds });
  return { j, token, attempts: [...attempts, hang, ...(success ? [success] : [])], hang };
}

describe('errors.network-retry-bounded', () => {
  it('passes when a reset and 503s are retried to success and the hanging request is abandoned within 120 s', () => {
    const { j, attempts } = flakyNetwork();

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'Resets and 5xx were retried (5 attempts of GET /api/Orders/ORD-1001, at most 10), and the hanging request was abandoned by the client after 10 s (at most 120 s).',
    );
    expect(metric(finding.evidence, 'attempts of GET /api/Orders/ORD-1001')).toBe(5);
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: 'hanging request abandoned after', value: 10, unit: 's', limit: 120 });
    expect(requestSeqs(finding.evidence)).toEqual(attempts.map((e) => e.seq));
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: attempts[0]!.seq, note: 'reset' }));
  });

  it('treats 502 and 504 as network errors to retry', () => {
    const { j } = flakyNetwork({ kinds: ['status 502', 'status 504'] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of')).toBe(4);
  });

  it('fails when a reset request is not retried', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5 });
    j.apiCalls(3, { from: flaky.start + 2, every: 1, token, endpoint: ENDPOINTS.searchOrders });
    faulted(j, 'hang', { token, at: flaky.start + 6, endpoint: ENDPOINTS.getProduct, abortedAfter: 10 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('GET /api/Orders/ORD-1001 failed with reset and was not retried.');
    expect(metric(finding.evidence, 'attempts of GET /api/Orders/ORD-1001')).toBe(1);
  });

  it('fails when the hang never comes and the failed request was not retried', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'status 503', { token, at: flaky.start + 0.5 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('GET /api/Orders/ORD-1001 failed with status 503 and was not retried.');
  });

  it('fails with more than 10 attempts of the same request', () => {
    const { j } = flakyNetwork({ kinds: Array.from({ length: 10 }, () => 'status 503') });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('GET /api/Orders/ORD-1001 was attempted 12 times (at most 10).');
    expect(metric(finding.evidence, 'attempts of')).toBe(12);
    expect(finding.evidence.filter((e) => e.kind === 'request')).toHaveLength(6);
  });

  it('passes at the limit: 10 attempts', () => {
    const { j } = flakyNetwork({ kinds: Array.from({ length: 8 }, () => 'status 503') });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of')).toBe(10);
  });

  it('fails when the hanging request is abandoned only after more than 120 s', () => {
    const { j } = flakyNetwork({ hangSeconds: 130 });

    const finding = check.judge(observations({ journal: j.entries, phases: longRun() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('the hanging request was abandoned only after 130 s.');
    expect(metric(finding.evidence, 'hanging request abandoned after')).toBe(130);
  });

  it('passes a client that abandons the hanging request at exactly 120 s', () => {
    const { j } = flakyNetwork({ hangSeconds: 120 });

    expect(check.judge(observations({ journal: j.entries, phases: longRun() })).verdict).toBe('pass');
  });

  it('fails when the client never gives up on the hanging request, though the run went on for 120 s', () => {
    const { j, hang } = flakyNetwork({ hangSeconds: null });
    // The socket closed only when golive stopped the integration, after the run.
    Object.assign(hang, { aborted: true, abortedAtMono: hang.mono + 200_000 });

    const finding = check.judge(observations({ journal: j.entries, phases: longRun() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('the hanging request was never abandoned by the client.');
  });

  it('is inconclusive when the run ended before the client gave up, less than 120 s after the hang', () => {
    const { j, hang } = flakyNetwork({ hangSeconds: null });
    Object.assign(hang, { aborted: true, abortedAtMono: hang.mono + (runEnd - flaky.start) * 1000 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^The run ended [\d.]+ s after the hanging request was sent and the client had not given up yet/);
    expect(finding.summary).toContain('120 s');
  });

  it('still fails a request that was not retried when the hang could not be judged', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5 });
    faulted(j, 'hang', { token, at: flaky.start + 2, endpoint: ENDPOINTS.getProduct, abortedAfter: null });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('GET /api/Orders/ORD-1001 failed with reset and was not retried.');
  });

  it('is inconclusive when the integration made no call that met a fault', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: flaky.start + 0.5, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration made no call during the network-fault phase.');
  });

  it('is inconclusive when the integration never reached the hanging response', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5 });
    faulted(j, 'status 503', { token, at: flaky.start + 1.5 });
    j.apiCall({ token, at: flaky.start + 3 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('before the integration reached the hanging response');
    expect(metric(finding.evidence, 'attempts of')).toBe(3);
  });

  it('is inconclusive when the flaky-network phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"flaky-network" phase did not run');
  });
});
