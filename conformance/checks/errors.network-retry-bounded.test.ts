import { describe, expect, it } from 'vitest';
import check from './errors.network-retry-bounded.ts';
import type { JournalEntry } from '../../mock-server/index.ts';
import { type JournalBuilder, ENDPOINTS, PHASES, RUN_START_MONO, allPhases, faulted, journal, metric, observations, phaseRecord, requestSeqs } from './test/journal.ts';
import type { PhaseRecord } from './observations.ts';

const flaky = PHASES['flaky-network'];

/** The plan's phases with the network phase ending at `end` (seconds into the run), as it does once settled. */
const endingAt = (end: number): PhaseRecord[] =>
  allPhases().map((p) => (p.name === 'flaky-network' ? phaseRecord('flaky-network', { end, params: { networkQuietMs: 3_000 } }) : p));

/** A poll of the order search: each poll has its own time window in the body. */
const poll = (window: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"2026-01-12T09:00:${String(window).padStart(2, '0')}Z"}` });

/**
 * The phase as the mock plays it: the first call is reset and every attempt of that same
 * request then answers 503 (`failures`, `every` seconds apart), until the client gives it up;
 * its next, different request hangs until the client abandons it after `hangSeconds` (`null`:
 * never); the phase ends once the client has been quiet on the failing request.
 */
function flakyNetwork({ failures = ['reset', 'status 503', 'status 503'], every = 1, hangSeconds = 2 as number | null } = {}) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 2, token, ...poll(1) });
  const attempts: JournalEntry[] = failures.map((kind, i) => faulted(j, kind, { token, at: flaky.start + 0.5 + i * every, ...poll(2) }));
  const hangAt = flaky.start + 1 + failures.length * every;
  const hang = faulted(j, 'hang', { token, at: hangAt, ...poll(3), abortedAfter: hangSeconds });
  const end = hangAt + (hangSeconds ?? 30) + 3.5;
  return { j, token, attempts, hang, phases: endingAt(end) };
}

function judge(j: JournalBuilder, phases: PhaseRecord[]) {
  return check.judge(observations({ journal: j.entries, phases }));
}

describe('errors.network-retry-bounded', () => {
  it('passes when the failing request is retried a bounded number of times, then given up, and the hanging one is abandoned', () => {
    const { j, attempts, hang, phases } = flakyNetwork();

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'Resets and 5xx were retried (3 attempts of POST /api/Orders/Search, at most 10), then given up; the hanging request was abandoned by the client after 2 s (at most 120 s).',
    );
    expect(metric(finding.evidence, 'attempts of POST /api/Orders/Search')).toBe(3);
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: 'hanging request abandoned after', value: 2, unit: 's', limit: 120 });
    expect(requestSeqs(finding.evidence)).toEqual(attempts.map((e) => e.seq));
    expect(requestSeqs(finding.evidence)).not.toContain(hang.seq);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: attempts[0]!.seq, note: 'reset' }));
  });

  it('says whether other calls went on while the request hung (case 82)', () => {
    const stalled = flakyNetwork();
    expect(judge(stalled.j, stalled.phases).evidence).toContainEqual({
      kind: 'note',
      text: 'no other call while the request hung (2 s): the client waits on one request at a time, so a response that never comes holds up all its work until the timeout',
    });
    const busy = flakyNetwork();
    busy.j.apiCall({ token: busy.token, at: (busy.hang.mono - RUN_START_MONO) / 1000 + 1, endpoint: ENDPOINTS.getOrder });
    const finding = judge(busy.j, busy.phases);
    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toContainEqual({ kind: 'note', text: '1 other call(s) went on while the request hung' });
  });

  it('passes a client that meets the hang within its own retries of the failing request, abandons it, and gives up later', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 1, ...poll(2) });
    faulted(j, 'hang', { token, at: flaky.start + 2, ...poll(2), abortedAfter: 2 });
    faulted(j, 'status 503', { token, at: flaky.start + 5, ...poll(2) });
    j.apiCall({ token, at: flaky.start + 7, ...poll(3) });

    const finding = judge(j, endingAt(flaky.start + 10));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'Resets and 5xx were retried (4 attempts of POST /api/Orders/Search, at most 10), then given up; the hanging request was abandoned by the client after 2 s (at most 120 s).',
    );
  });

  it('treats 502 and 504 as network errors to retry', () => {
    const { j, phases } = flakyNetwork({ failures: ['status 502', 'status 504'] });

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of')).toBe(2);
  });

  it('fails a client that gives the request up at once, without a retry', () => {
    const { j, phases } = flakyNetwork({ failures: ['reset'] });

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('POST /api/Orders/Search failed with reset and was given up at once, without a retry.');
    expect(metric(finding.evidence, 'attempts of POST /api/Orders/Search')).toBe(1);
  });

  it('does not take the next poll (a new window in its body) for a retry of the request that failed', () => {
    // Gives up on the reset; its next scheduled poll is another request (and meets the hang), the one after succeeds.
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) });
    faulted(j, 'hang', { token, at: flaky.start + 3, ...poll(3), abortedAfter: 2 });
    j.apiCall({ token, at: flaky.start + 8, ...poll(4) });

    const finding = judge(j, endingAt(flaky.start + 12));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('POST /api/Orders/Search failed with reset and was given up at once, without a retry.');
  });

  it('fails a client that never gives up: more than 10 attempts while the request kept failing', () => {
    const { j, phases } = flakyNetwork({ failures: ['reset', ...Array.from({ length: 10 }, () => 'status 503')], every: 0.2, hangSeconds: null });

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('POST /api/Orders/Search was attempted 11 times while it kept failing (at most 10): the retries have no limit.');
    expect(metric(finding.evidence, 'attempts of')).toBe(11);
    expect(finding.evidence.filter((e) => e.kind === 'request')).toHaveLength(6);
  });

  /** The failing request attempted after each of `waits` (seconds), then given up; the next request hangs. */
  function retriedWith(waits: readonly number[], last = 'status 503') {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    let at = flaky.start + 0.5;
    faulted(j, 'reset', { token, at, ...poll(2) });
    waits.forEach((wait, i) => faulted(j, i === waits.length - 1 ? last : 'status 503', { token, at: (at += wait), ...poll(2) }));
    faulted(j, 'hang', { token, at: at + 1, ...poll(3), abortedAfter: 2 });
    return { j, phases: endingAt(at + 6.5) };
  }

  it('passes at the limit: 10 attempts with growing waits, then given up', () => {
    const { j, phases } = retriedWith([0.1, 0.2, 0.4, 0.8, 1.6, 2, 2, 2, 2]);

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of')).toBe(10);
  });

  it('fails ten attempts whose waits do not grow: a retry storm, not a backoff (case 78)', () => {
    const { j, phases } = retriedWith(Array.from({ length: 9 }, () => 0.2));

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      'POST /api/Orders/Search was retried 9 times with waits that did not grow (the first 0.2 s, the last 0.2 s; at least 1.5 times the first expected): retry with exponential backoff.',
    );
  });

  it('fails immediate retries however few: three retries within a few milliseconds each', () => {
    const { j, phases } = retriedWith([0.005, 0.004, 0.006]);

    expect(judge(j, phases).verdict).toBe('fail');
  });

  it('does not judge the growth of one or two waits, and passes a backoff capped early (1 s, 2 s, 2 s…)', () => {
    expect(judge(retriedWith([1, 1]).j, retriedWith([1, 1]).phases).verdict).toBe('pass');
    const capped = retriedWith([1, 2, 2, 2, 2]);
    expect(judge(capped.j, capped.phases).verdict).toBe('pass');
  });

  it('passes waits of a second and more that did not grow: a backoff capped near its first step, drawn with jitter (the Omneo example)', () => {
    const jittered = retriedWith([1.38, 1.7, 1.2, 1.55]);
    expect(judge(jittered.j, jittered.phases).verdict).toBe('pass');
    const short = retriedWith([0.9, 0.9, 0.9, 0.9]);
    expect(judge(short.j, short.phases).verdict).toBe('fail');
  });

  it('leaves the wait after a hanging attempt out of the growth: its socket may close after the client timed out and moved on', () => {
    // urllib3: 1.9 s, then 3.2 s, then the hang, whose socket closed 8 s on, after the next attempt was sent.
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 2.4, ...poll(2) });
    faulted(j, 'hang', { token, at: flaky.start + 5.6, ...poll(2), abortedAfter: 8 });
    faulted(j, 'status 500', { token, at: flaky.start + 13.5, ...poll(2) });
    j.apiCall({ token, at: flaky.start + 14.5, ...poll(3) });

    expect(judge(j, endingAt(flaky.start + 19)).verdict).toBe('pass');
  });

  it('passes a client that retried the reset and the 503 and gave the request up at its 500 (a server error: the checklist asks for 502/503/504)', () => {
    const { j, phases } = retriedWith([0.5, 1], 'status 500');

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of')).toBe(3);
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'the request was given up at its 500: a server error a retry may not fix, so retrying it is not required (if it is retried, it counts towards the limit)' });
  });

  it('is inconclusive when the client was still retrying when the phase ran out of time', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    // Waits of 1, 2, 4, 8 s: the last attempt came 3 s before the end, well within its next wait.
    for (const at of [0.5, 1.5, 3.5, 7.5, 15.5]) faulted(j, 'status 503', { token, at: flaky.start + at, ...poll(2) });

    const finding = judge(j, endingAt(flaky.start + 18.5));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^POST \/api\/Orders\/Search was still being retried \(5 attempts/);
  });

  it('does not take a jittered client whose last wait happened to be short for one that gave up', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 0.51, ...poll(2) });
    faulted(j, 'hang', { token, at: flaky.start + 2.3, ...poll(2), abortedAfter: 2 });
    faulted(j, 'status 503', { token, at: flaky.start + 4.4, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 6.2, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 6.55, ...poll(2) });

    // 1.5 s of quiet after a 0.35 s wait is not giving up when the waits before were 1.8 s.
    const finding = judge(j, endingAt(flaky.start + 8.05));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/was still being retried \(6 attempts/);
  });

  /** A poller seen on CI: five attempts (the third hangs until its 2 s timeout), given up, and the same search sent on its next round. */
  function restartingPoller(afterRestart: readonly number[]) {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const firstTry = [
      faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) }),
      faulted(j, 'status 503', { token, at: flaky.start + 1.47, ...poll(2) }),
      faulted(j, 'hang', { token, at: flaky.start + 2.98, ...poll(2), abortedAfter: 2 }),
      faulted(j, 'status 503', { token, at: flaky.start + 8.81, ...poll(2) }),
      faulted(j, 'status 503', { token, at: flaky.start + 14.94, ...poll(2) }),
    ];
    let at = flaky.start + 14.94;
    for (const wait of afterRestart) faulted(j, 'status 503', { token, at: (at += wait), ...poll(2) });
    return { j, firstTry, end: at + 4.3 };
  }

  it('passes a poller that gives the failing request up and sends it again on its next round, its waits starting over', () => {
    const { j, firstTry, end } = restartingPoller([0.25, 0.97, 1.52, 3.8]);

    const finding = judge(j, endingAt(end));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'Resets and 5xx were retried (5 attempts of POST /api/Orders/Search, at most 10), then given up; the hanging request was abandoned by the client after 2 s (at most 120 s).',
    );
    expect(requestSeqs(finding.evidence)).toEqual(firstTry.map((e) => e.seq));
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'then the client sent POST /api/Orders/Search again with its waits starting over: a new try (a poll), not one more retry' });
  });

  it('does not take a short wait for a new try until the waits after it repeat the first ones', () => {
    // One wait after the drop: it could still be jitter.
    expect(judge(restartingPoller([0.25, 0.97]).j, endingAt(restartingPoller([0.25, 0.97]).end)).verdict).toBe('inconclusive');
    // A jittered retrier whose wait fell once, then went on growing: not a new try.
    const { j, end } = restartingPoller([2.1, 7, 9]);
    const finding = judge(j, endingAt(end));
    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^POST \/api\/Orders\/Search was still being retried \(8 attempts/);
  });

  it('passes a poller that leaves the failing request alone for a while, then tries it again with its backoff from the start', () => {
    // Seen on CI (backup-python): four attempts (the third hangs until its 2 s timeout), 10 s
    // left alone, four more, their jittered doubling waits like the first try's (the second
    // more than twice the first try's first: once taken for one more retry, not a new try).
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const at = (s: number) => flaky.start + s;
    const first = [
      faulted(j, 'reset', { token, at: at(0.5), ...poll(2) }),
      faulted(j, 'status 503', { token, at: at(0.69), ...poll(2) }),
      faulted(j, 'hang', { token, at: at(1.18), ...poll(2), abortedAfter: 2 }),
      faulted(j, 'status 503', { token, at: at(4.1), ...poll(2) }),
    ];
    for (const s of [14.2, 14.43, 14.91, 15.85]) faulted(j, 'status 503', { token, at: at(s), ...poll(2) });

    const finding = judge(j, endingAt(flaky.start + 15.85 + 8.8));

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual(first.map((e) => e.seq));
    expect(metric(finding.evidence, 'attempts of POST /api/Orders/Search')).toBe(4);
  });

  /**
   * The profile-seam poller: four attempts 0.35 s, 0.7 s and 1.5 s apart (the third hangs until
   * its 2 s timeout), then `roundGap` to its next round and the waits of its second try.
   */
  function pollerTwice(roundGap: number, secondTry: readonly number[]) {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    let at = flaky.start + 0.5;
    const gap = (seconds: number, latency = 0.003) => (at += latency + seconds);
    const first = [faulted(j, 'reset', { token, at, ...poll(2) })];
    first.push(faulted(j, 'status 503', { token, at: gap(0.35), ...poll(2) }));
    first.push(faulted(j, 'hang', { token, at: gap(0.7), ...poll(2), abortedAfter: 2 }));
    first.push(faulted(j, 'status 503', { token, at: gap(1.5, 2), ...poll(2) }));
    for (const wait of [roundGap, ...secondTry]) faulted(j, 'status 503', { token, at: gap(wait), ...poll(2) });
    return { finding: judge(j, endingAt(at + 4)), first };
  }

  it("takes a new try for one when a busy machine stalled one of its waits past twice the first try's (the profile-seam poller, seen under load)", () => {
    // 1 s to the next round, then the same waits again, the first of them stalled by 0.37 s.
    const { finding, first } = pollerTwice(1, [0.72, 0.68, 1.45]);

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual(first.map((e) => e.seq));
  });

  it('counts the attempts of the first try right when the next round comes about as soon as its first wait would', () => {
    // 0.25 s to the next round: that gap looks like a first wait too; the attempt after it fits better.
    const { finding, first } = pollerTwice(0.25, [0.36, 0.69, 1.48]);

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'attempts of POST /api/Orders/Search')).toBe(4);
    expect(requestSeqs(finding.evidence)).toEqual(first.map((e) => e.seq));
  });

  it('does not take a stall among tiny waits for a new try (an unlimited retrier seen passing on CI)', () => {
    // Waits doubling from 20 ms up to 0.5 s, one of the first stalled 0.3 s by a busy machine.
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    let at = flaky.start + 0.5;
    faulted(j, 'reset', { token, at, ...poll(2) });
    faulted(j, 'status 503', { token, at: (at += 0.01), ...poll(2) });
    faulted(j, 'hang', { token, at: (at += 0.3), ...poll(2), abortedAfter: 2 });
    at += 2;
    for (const wait of [0.04, 0.08, 0.16, 0.32, 0.5, 0.5, 0.5, 0.5]) faulted(j, 'status 503', { token, at: (at += wait), ...poll(2) });

    const finding = judge(j, endingAt(at + 0.4));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/attempted 11 times while it kept failing/);
  });

  it('still fails a client whose first try alone goes past the limit', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    let at = flaky.start;
    for (let i = 0; i < 11; i++) faulted(j, i === 0 ? 'reset' : 'status 503', { token, at: (at += 0.3), ...poll(2) });
    for (const wait of [0.05, 0.3, 0.3]) faulted(j, 'status 503', { token, at: (at += wait), ...poll(2) });

    const finding = judge(j, endingAt(at + 3));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/attempted 1[0-9] times while it kept failing/);
  });

  it('fails when the hanging request is abandoned only after more than 120 s', () => {
    const { j, phases } = flakyNetwork({ hangSeconds: 130 });

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('the hanging request was abandoned only after 130 s.');
    expect(metric(finding.evidence, 'hanging request abandoned after')).toBe(130);
  });

  it('passes a client that abandons the hanging request at exactly 120 s', () => {
    const { j, phases } = flakyNetwork({ hangSeconds: 120 });

    expect(judge(j, phases).verdict).toBe('pass');
  });

  it('is inconclusive when the client had not abandoned the hanging request when the phase ended (golive closed it later)', () => {
    const { j, hang } = flakyNetwork({ hangSeconds: null });
    const end = (hang.mono - 50_000) / 1000 + 20;
    // The socket closed only when golive stopped the instance, after the phase.
    Object.assign(hang, { aborted: true, abortedAtMono: hang.mono + 25_000 });

    const finding = judge(j, endingAt(end));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^The client had not given up the hanging request [\d.]+ s after sending it/);
    expect(finding.summary).toContain('120 s');
  });

  it('still fails a request given up at once when the hang could not be judged', () => {
    const { j, phases } = flakyNetwork({ failures: ['reset'], hangSeconds: null });

    const finding = judge(j, phases);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('POST /api/Orders/Search failed with reset and was given up at once, without a retry.');
  });

  it('is inconclusive when the integration made no call that met a fault', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: 2, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration made no call during the network-fault phase, so golive could not provoke a network error.');
  });

  it('is inconclusive when the integration made no other call after giving the failing request up', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    faulted(j, 'reset', { token, at: flaky.start + 0.5, ...poll(2) });
    faulted(j, 'status 503', { token, at: flaky.start + 1.5, ...poll(2) });

    const finding = judge(j, endingAt(flaky.start + 40));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('no other call after it gave the failing request up');
    expect(metric(finding.evidence, 'attempts of')).toBe(2);
  });

  it('is inconclusive when the flaky-network phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"flaky-network" phase did not run');
  });
});
