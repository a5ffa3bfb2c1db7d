import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './errors.jitter-on-429.ts';
import { LANE_CLIENT, PHASES, context, journal, metric, observations, phaseRecord, storm } from './test/journal.ts';

const first = PHASES['rate-limit-no-retry-after'];
const again = PHASES['rate-limit-no-retry-after-again'];

/** The same 429 storm twice, without Retry-After; waits in seconds. */
function twoStorms(a: number[], b: number[], firstLast = 200) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 1, token });
  storm(j, { token, from: first.start + 0.5, waits: a, last: firstLast });
  storm(j, { token, from: again.start + 0.5, waits: b });
  return observations({ journal: j.entries });
}

describe('errors.jitter-on-429', () => {
  it('passes when the waits of the two storms differ', () => {
    const finding = check.judge(twoStorms([1, 2, 4], [1.4, 2.9, 3.2]));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The waits of two identical 429 storms differ by up to 36.7 %: the retries carry jitter and are not synchronised.');
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits in the first storm: 1 s, 2 s, 4 s' });
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits in the second storm: 1.4 s, 2.9 s, 3.2 s' });
    expect(metric(finding.evidence, 'largest difference between matching waits')).toBe(36.7);
  });

  it('passes when a single pair of waits differs by more than 5 %', () => {
    const finding = check.judge(twoStorms([1, 2, 4], [1, 2, 4.5]));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toContain('differ by up to 11.8 %');
    expect(metric(finding.evidence, 'largest difference')).toBe(11.8);
  });

  it('fails, as a warning, when the two storms produce identical waits', () => {
    const obs = twoStorms([1, 2, 4], [1, 2, 4]);

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('Two identical 429 storms produced the same waits within 5 % (they differ by 0 % at most): the backoff has no jitter, so many clients would retry in lockstep.');
    expect(metric(finding.evidence, 'largest difference')).toBe(0);
    const result = runCheck(check, obs, context());
    expect(result.verdict).toBe('warn');
    expect(result.required).toBe(false);
    expect(result.remediation).toContain('jitter');
  });

  /** The first storm (waits 1, 2, 4 s), then the second with three requests refused at once (parallel workers): `waits` of each. */
  function workersAtOnce(workers: readonly number[][], offsets: readonly number[] = [0, 0.01, 0.02]) {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    storm(j, { token, from: first.start + 0.5, waits: [1, 2, 4] });
    const series = workers.map((waits, i) => storm(j, { token, from: again.start + 0.5 + offsets[i]!, waits, body: `{"worker":${i}}` }));
    // In the order the mock would have journalled them.
    j.entries.sort((a, b) => a.mono - b.mono || a.seq - b.seq).forEach((e, i) => (e.seq = i + 1));
    return { obs: observations({ journal: j.entries }), series };
  }

  it('fails, as a warning, when three requests refused at once retry in lockstep, though each storm drew other waits (every worker seeded alike) (case 76)', () => {
    const { obs } = workersAtOnce([
      [1.3, 2.6, 4.4],
      [1.3, 2.6],
      [1.3, 2.6],
    ]);

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      '3 requests refused at once retried in lockstep: their waits agree within 5 % (they differ by 0 % at most), so the workers of one client come back together and meet the limit again together.',
    );
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits of request 2 of the 3 refused at once: 1.3 s, 2.6 s' });
  });

  it('passes three requests refused at once whose waits differ (jitter drawn per worker)', () => {
    const { obs } = workersAtOnce([
      [1.3, 2.6, 4.4],
      [1.1, 2.3],
      [1.45, 2.2],
    ]);

    const finding = check.judge(obs);
    expect(finding.verdict).toBe('pass');
    // The pass says it saw them: the waits of each.
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits of request 2 of the 3 refused at once: 1.1 s, 2.3 s' });
  });

  it('does not take requests refused one after another (a client that works one request at a time) for workers refused at once', () => {
    const { obs } = workersAtOnce(
      [
        [1.3, 2.6, 4.4],
        [1, 2],
        [1, 2],
      ],
      [0, 9, 13],
    );

    expect(check.judge(obs).verdict).toBe('pass');
  });

  it('does not take the millisecond noise of immediate retries for jitter', () => {
    // A client that retries at once (urllib3's first retry has no wait), then after fixed waits.
    const finding = runCheck(check, twoStorms([0.002, 1, 2], [0.004, 1, 2]), context());

    expect(finding.verdict).toBe('warn');
  });

  it('fails when the waits differ by less than 5 %', () => {
    const finding = check.judge(twoStorms([1, 2, 4], [1.02, 2.04, 4.1]));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('(they differ by 2.5 % at most)');
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: 'largest difference between matching waits', value: 2.5, unit: '%', limit: 5 });
  });

  it('is inconclusive with fewer than two retries in one of the storms', () => {
    const finding = check.judge(twoStorms([1, 2, 4], [1.5]));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('Too few retries in the two identical 429 storms to tell whether the waits vary.');
  });

  it('does not take the second storm for retries of a request the client gave up on in the first', () => {
    const finding = check.judge(twoStorms([1.5], [1, 2, 4], 429));

    expect(finding.verdict).toBe('inconclusive');
  });

  it('is inconclusive when the second storm reached no call of the integration', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    storm(j, { token, from: first.start + 0.5, waits: [1, 2, 4] });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('inconclusive');
  });

  it('is inconclusive when the second storm did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady'), phaseRecord('rate-limit-no-retry-after')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"rate-limit-no-retry-after-again" phase did not run');
  });

  it('reads each storm on its own API user when the two run in different lanes at overlapping times', () => {
    // The plan's lanes: the first storm in `backoff`, the second in `storms` (after the Retry-After storm).
    const backoff = { name: 'backoff', client: 'client-erp-order-export-backoff' };
    const storms = { name: 'storms', client: LANE_CLIENT };
    const t0 = first.start;
    const phases = [
      phaseRecord('steady'),
      phaseRecord('rate-limit-no-retry-after', { start: t0, end: t0 + 10, lane: backoff }),
      phaseRecord('rate-limit-no-retry-after-again', { start: t0 + 4, end: t0 + 14, lane: storms }),
    ];
    const run = (b: number[]) => {
      const j = journal();
      const backoffToken = j.tokenRequest({ at: t0 - 1, client: backoff.client });
      const stormsToken = j.tokenRequest({ at: t0 - 1, client: storms.client });
      storm(j, { token: backoffToken, from: t0 + 0.5, waits: [1, 2, 4] });
      storm(j, { token: stormsToken, from: t0 + 4.5, waits: b });
      j.entries.sort((x, y) => x.mono - y.mono || x.seq - y.seq).forEach((e, i) => (e.seq = i + 1));
      return check.judge(observations({ journal: j.entries, phases }));
    };

    // Read on the first storm's user alone, the second storm would show no 429 at all (inconclusive).
    expect(run([1, 2, 4])).toMatchObject({ verdict: 'fail', summary: expect.stringContaining('differ by 0 % at most') });
    const jittered = run([1.2, 1.7, 4.4]);
    expect(jittered.verdict).toBe('pass');
    expect(jittered.evidence).toContainEqual({ kind: 'note', text: 'waits in the second storm: 1.2 s, 1.7 s, 4.4 s' });
  });
});
