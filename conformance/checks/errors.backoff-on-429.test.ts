import { describe, expect, it } from 'vitest';
import check from './errors.backoff-on-429.ts';
import { LANE_CLIENT, PHASES, RUN_START_MONO, httpDate, journal, metric, observations, phaseRecord, requestSeqs, storm, tooMany } from './test/journal.ts';

const withSeconds = PHASES['rate-limit-retry-after'];
const withDate = PHASES['rate-limit-http-date'];
const bare = PHASES['rate-limit-no-retry-after'];

/**
 * A client through the three storms of the plan: three 429s with `Retry-After: 2`, two with
 * `Retry-After` as an HTTP date 2 s ahead, three without `Retry-After`. Waits in seconds.
 */
function threeStorms(waits: { seconds?: number[]; date?: number[]; bare?: number[]; bareLast?: number } = {}) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 1, token });
  const seconds = storm(j, { token, from: withSeconds.start + 0.5, retryAfter: '2', waits: waits.seconds ?? [2.1, 2.05, 2.2] });
  const date = storm(j, { token, from: withDate.start + 0.5, retryAfter: httpDate(2), waits: waits.date ?? [3.1, 3.1] });
  const without = storm(j, { token, from: bare.start + 0.5, waits: waits.bare ?? [1, 2, 4], ...(waits.bareLast ? { last: waits.bareLast } : {}) });
  return { j, token, seconds, date, without };
}

describe('errors.backoff-on-429', () => {
  it('passes when Retry-After is honoured in seconds and as an HTTP date, and the waits grow without it', () => {
    const { j, seconds } = threeStorms();

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('Retry-After was honoured, and without it the waits grew (1 s, 2 s, 4 s; mean factor 2).');
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: `wait after 429 #${seconds[0]!.seq} (Retry-After: 2)`, value: 2.1, unit: 's', limit: 2 });
    expect(finding.evidence.filter((e) => e.kind === 'metric' && e.name.startsWith('wait after 429'))).toHaveLength(5);
    expect(metric(finding.evidence, 'retries without Retry-After')).toBe(3);
    expect(metric(finding.evidence, 'mean growth factor')).toBe(2);
    expect(requestSeqs(finding.evidence)).toEqual([]);
  });

  it('reads an HTTP-date Retry-After as the moment to wait for', () => {
    const { j, date } = threeStorms();

    const finding = check.judge(observations({ journal: j.entries }));

    const waits = finding.evidence.filter((e) => e.kind === 'metric' && e.name.startsWith(`wait after 429 #${date[0]!.seq}`));
    expect(waits).toHaveLength(1);
    const [wait] = waits;
    expect(wait).toMatchObject({ name: expect.stringContaining(`Retry-After: ${date[0]!.retryAfter}`), value: 3.1 });
    // The date is 2 s ahead, rounded up to the whole second: between 2 and 3 s to wait.
    expect(wait?.kind === 'metric' && wait.limit).toBeGreaterThanOrEqual(2);
    expect(wait?.kind === 'metric' && wait.limit).toBeLessThanOrEqual(3);
  });

  it('fails on a retry before Retry-After, and reports the wait and the limit', () => {
    const { j, seconds } = threeStorms({ seconds: [2.1, 1.5, 2.1] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('1 retry came before Retry-After: retried after 1.5 s where Retry-After asked for 2 s.');
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'metric', name: `wait after 429 #${seconds[1]!.seq} (Retry-After: 2)`, value: 1.5, limit: 2 }));
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: seconds[2]!.seq, note: 'retried before Retry-After' }));
  });

  it('fails on a retry before an HTTP-date Retry-After', () => {
    const { j, date } = threeStorms({ date: [1, 3.1] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^1 retry came before Retry-After: retried after 1 s where Retry-After asked for [23](\.\d+)? s\.$/);
    expect(requestSeqs(finding.evidence)).toEqual([date[1]!.seq]);
  });

  it('counts every early retry', () => {
    const { j } = threeStorms({ seconds: [0.2, 0.2, 0.2], date: [0.2, 0.2] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^5 retries came before Retry-After: retried after 0.2 s where Retry-After asked for 2 s\.$/);
  });

  it('passes a client that retries exactly at the Retry-After boundary', () => {
    const { j } = threeStorms({ seconds: [2, 2, 2] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'metric', value: 2, limit: 2 }));
  });

  it('fails a retry 50 ms before the boundary (only the mock noting its answer a little late is forgiven)', () => {
    const { j } = threeStorms({ seconds: [2, 1.95, 2] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('retried after 1.95 s where Retry-After asked for 2 s');
  });

  it('passes a client that retries exactly at the moment of an HTTP-date Retry-After', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const first = tooMany(j, { token, at: withDate.start + 0.5, retryAfter: httpDate(2) });
    const until = (Date.parse(first.retryAfter!) - Date.parse(first.time) - first.latencyMs) / 1000;
    j.apiCall({ token, at: (first.mono - RUN_START_MONO + first.latencyMs) / 1000 + until });
    storm(j, { token, from: bare.start + 0.5, waits: [1, 2, 4] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
  });

  it('accepts an immediate retry after Retry-After: 0', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    storm(j, { token, from: withSeconds.start + 0.5, retryAfter: '0', waits: [0, 0.001, 0] });
    storm(j, { token, from: bare.start + 0.5, waits: [1, 2, 4] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    // The limit is the longest wait allowed (case 75): twice the longest of its backoff (4 s), at least 5 s.
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'metric', name: expect.stringContaining('(Retry-After: 0)'), value: 0, limit: 8 }));
  });

  it('accepts an immediate retry after a Retry-After date in the past', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    storm(j, { token, from: withDate.start + 0.5, retryAfter: httpDate(-30), waits: [0, 0.01] });
    storm(j, { token, from: bare.start + 0.5, waits: [1, 2, 4] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'metric', name: expect.stringContaining('GMT)'), value: 0, limit: 8 }));
  });

  /**
   * The storm with Retry-After as the plan plays it (case 75): `Retry-After: 1`, then `0`, then
   * `soon`, each on the next attempt of one request; `waits` after each (seconds), `null`: the
   * client gave the request up and polled on. Then a storm without it, waits 1, 2, 4 s.
   */
  function oddRetryAfters(waits: readonly (number | null)[], headers: readonly ((answeredAt: number) => string)[] = [() => '1', () => '0', () => 'soon']) {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const body = '{"modifiedFrom":"2026-01-12T09:00:01Z"}';
    let at = withSeconds.start + 0.5;
    const refused = [];
    for (const [i, header] of headers.entries()) {
      refused.push(tooMany(j, { token, at, body, retryAfter: header }));
      const wait = waits[i];
      if (wait === null || wait === undefined) break;
      at += 0.003 + wait;
    }
    if (waits.at(-1) === null) j.apiCall({ token, at: at + 0.5, body: '{"modifiedFrom":"2026-01-12T09:00:02Z"}' });
    else j.apiCall({ token, at, body });
    storm(j, { token, from: bare.start + 0.5, waits: [1, 2, 4] });
    return { j, refused };
  }

  it('fails a client that waits far past its own backoff after Retry-After: soon (it read the garbage as a long wait), and shows the limit (case 75)', () => {
    const { j, refused } = oddRetryAfters([1.1, 0.2, 20]);

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      'After Retry-After: soon the retry came 20 s later, longer than 8 s (twice the longest wait of its own backoff, 4 s, and at least 5 s): a Retry-After of 0, in the past or unreadable means retry now or back off as usual, never a longer wait.',
    );
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: `wait after 429 #${refused[2]!.seq} (Retry-After: soon)`, value: 20, unit: 's', limit: 8 });
  });

  it('fails a client that took a past date for a wait as long as it lies back (it waited 60 s after a date 60 s ago)', () => {
    const { j } = oddRetryAfters([2.1, 60], [httpDate(1), httpDate(-60)]);

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^After Retry-After: Mon, 12 Jan 2026 \d\d:\d\d:\d\d GMT the retry came 60 s later, longer than 8 s/);
  });

  it('passes a client that retries at once after Retry-After: 0 and falls back to its backoff after soon', () => {
    const { j, refused } = oddRetryAfters([1.1, 0, 1]);

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: `wait after 429 #${refused[2]!.seq} (Retry-After: soon)`, value: 1, unit: 's', limit: 8 });
  });

  it('passes a client that gives the request up on a Retry-After it cannot read (urllib3 raises InvalidHeader)', () => {
    const { j } = oddRetryAfters([1.1, 0.5, null]);

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('fails with fewer than 3 retries without Retry-After', () => {
    const { j } = threeStorms({ bare: [1, 2], bareLast: 429 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('Without Retry-After the integration retried 2 time(s); at least 3 retries with growing waits are expected before giving up.');
    expect(metric(finding.evidence, 'retries without Retry-After')).toBe(2);
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits between attempts without Retry-After: 1 s, 2 s' });
  });

  it('does not count the next storm as retries of a request the client gave up on', () => {
    const { j, token } = threeStorms({ bare: [1, 2], bareLast: 429 });
    storm(j, { token, from: PHASES['rate-limit-no-retry-after-again'].start + 0.5, waits: [1, 2], last: 429 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(metric(finding.evidence, 'retries without Retry-After')).toBe(2);
  });

  it('tolerates a retry that seems 10 ms early: the mock notes the answer once its last byte is sent, the client may read it sooner', () => {
    expect(check.judge(observations({ journal: threeStorms({ seconds: [1.99, 2.05, 2.2] }).j.entries })).verdict).toBe('pass');
  });

  it('judges growth on the mean waits of both storms without Retry-After: one draw of a random backoff may not grow', () => {
    // Full jitter: the first storm's draws happened not to grow, the second's did; on average they do.
    const { j, token } = threeStorms({ bare: [1, 1.1, 1.2] });
    storm(j, { token, from: PHASES['rate-limit-no-retry-after-again'].start + 0.5, waits: [1, 3, 8] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('Retry-After was honoured, and without it the waits grew (1 s, 2.05 s, 4.6 s, the mean of 2 storms; mean factor 2.15).');
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'waits between attempts without Retry-After (storm 2): 1 s, 3 s, 8 s' });
  });

  it('fails when neither storm without Retry-After shows growing waits', () => {
    const { j, token } = threeStorms({ bare: [1, 1.1, 0.9] });
    storm(j, { token, from: PHASES['rate-limit-no-retry-after-again'].start + 0.5, waits: [1.2, 0.8, 1.1] });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('fail');
  });

  it('fails when the waits without Retry-After do not grow, and says the factor', () => {
    const { j } = threeStorms({ bare: [2, 2, 2.2] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('Without Retry-After the waits did not grow: 2 s, 2 s, 2.2 s (mean growth factor 1.05, at least 1.5 expected).');
    expect(metric(finding.evidence, 'mean growth factor')).toBe(1.05);
  });

  it('passes at the limit: a mean growth factor of exactly 1.5', () => {
    const { j } = threeStorms({ bare: [1, 1.5, 2.25] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toContain('mean factor 1.5');
  });

  it('fails when the waits shrink', () => {
    const { j } = threeStorms({ bare: [4, 2, 1] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('mean growth factor 0.5,');
  });

  it('is inconclusive when no 429 reached the integration', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: 2, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration made no call during the 429 phases, so its backoff could not be observed.');
  });

  it('is inconclusive when no 429 without Retry-After reached the integration', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    storm(j, { token, from: withSeconds.start + 0.5, retryAfter: '2', waits: [2.1, 2.1, 2.1] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('No 429 without Retry-After');
    expect(finding.evidence.filter((e) => e.kind === 'metric')).toHaveLength(3);
  });

  it('is inconclusive when the 429 phases did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady'), phaseRecord('missing-role')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"rate-limit-retry-after" phase did not run');
  });
});

describe('errors.backoff-on-429 in a side lane', () => {
  const lane = { name: 'storms', client: LANE_CLIENT };
  const stormPhases = () =>
    (['rate-limit-retry-after', 'rate-limit-http-date', 'rate-limit-no-retry-after', 'rate-limit-no-retry-after-again'] as const).map((name) => phaseRecord(name, { lane }));

  it("judges the lane's API user only: the test run's 429s meanwhile are not the storm's", () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const laneToken = j.tokenRequest({ at: withSeconds.start + 0.1, client: LANE_CLIENT });
    storm(j, { token: laneToken, from: withSeconds.start + 0.5, retryAfter: '2', waits: [2.1, 2.05, 2.2] });
    storm(j, { token: laneToken, from: withDate.start + 0.5, retryAfter: httpDate(2), waits: [3.1, 3.1] });
    storm(j, { token: laneToken, from: bare.start + 0.5, waits: [1, 2, 4] });
    // The main lane's instance, at the same time, retries a 429 of its own at once.
    storm(j, { token, from: withSeconds.start + 0.7, retryAfter: '2', waits: [0.1, 0.1] });

    const finding = check.judge(observations({ journal: j.entries, phases: [phaseRecord('steady'), ...stormPhases()] }));

    expect(finding.verdict).toBe('pass');
  });

  it('judges the storms with and without Retry-After run at once in two lanes, each on its own API user', () => {
    // The plan's lanes: `storms` (Retry-After) and `backoff` (none), side by side from the same moment.
    const backoff = { name: 'backoff', client: 'client-erp-order-export-backoff' };
    const at = (name: 'rate-limit-retry-after' | 'rate-limit-http-date' | 'rate-limit-no-retry-after' | 'rate-limit-no-retry-after-again', start: number, end: number, l: typeof lane) =>
      phaseRecord(name, { start, end, lane: l });
    const t0 = withSeconds.start;
    const phases = [
      phaseRecord('steady'),
      at('rate-limit-retry-after', t0, t0 + 8, lane),
      at('rate-limit-http-date', t0 + 8, t0 + 16, lane),
      at('rate-limit-no-retry-after', t0, t0 + 10, backoff),
      at('rate-limit-no-retry-after-again', t0 + 10, t0 + 20, backoff),
    ];
    const run = (bareWaits: number[]) => {
      const j = journal();
      const stormsToken = j.tokenRequest({ at: t0 - 1, client: LANE_CLIENT });
      const backoffToken = j.tokenRequest({ at: t0 - 1, client: backoff.client });
      const seconds = storm(j, { token: stormsToken, from: t0 + 0.5, retryAfter: '2', waits: [2.1, 2.05, 2.2] });
      storm(j, { token: stormsToken, from: t0 + 8.5, retryAfter: httpDate(2), waits: [3.1, 3.1] });
      // The backoff lane's first 429 comes between the storms lane's: it is the no-Retry-After storm's.
      storm(j, { token: backoffToken, from: t0 + 0.6, waits: bareWaits });
      storm(j, { token: backoffToken, from: t0 + 10.5, waits: bareWaits });
      return { j, seconds };
    };

    const good = run([1, 2, 4]);
    const finding = check.judge(observations({ journal: good.j.entries, phases }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('Retry-After was honoured, and without it the waits grew (1 s, 2 s, 4 s, the mean of 2 storms; mean factor 2).');
    expect(finding.evidence).toContainEqual({ kind: 'metric', name: `wait after 429 #${good.seconds[0]!.seq} (Retry-After: 2)`, value: 2.1, unit: 's', limit: 2 });

    const flat = check.judge(observations({ journal: run([0.5, 0.5, 0.5]).j.entries, phases }));
    expect(flat.verdict).toBe('fail');
    expect(flat.summary).toMatch(/^Without Retry-After the waits did not grow: 0.5 s, 0.5 s, 0.5 s/);
  });

  it("is inconclusive when only the test run's API user met 429s during the lane's storms", () => {
    const { j } = threeStorms();

    const finding = check.judge(observations({ journal: j.entries, phases: [phaseRecord('steady'), ...stormPhases()] }));

    expect(finding.verdict).toBe('inconclusive');
  });
});
