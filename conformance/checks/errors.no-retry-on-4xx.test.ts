import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './errors.no-retry-on-4xx.ts';
import { ENDPOINTS, PHASES, allPhases, context, faulted, journal, metric, observations, requestSeqs } from './test/journal.ts';

const phase = PHASES['malformed-responses'];
const order = (id: string) => ({ endpoint: ENDPOINTS.getOrder, path: `/api/Orders/${id}` });
const search = (window: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"2026-01-12T09:00:${String(window).padStart(2, '0')}Z"}` });

/** A poller in the phase: its GET of order `O-1` answered 404 and its next search 422, then whatever `after` adds. */
function refusedOnce(after: (j: ReturnType<typeof journal>, token: ReturnType<ReturnType<typeof journal>['tokenRequest']>) => void = () => {}) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  const notFound = faulted(j, 'status 404', { token, at: phase.start + 1, ...order('O-1') });
  const unprocessable = faulted(j, 'status 422', { token, at: phase.start + 1.5, ...search(1) });
  after(j, token);
  return { j, notFound, unprocessable, obs: observations({ journal: j.entries }) };
}

describe('errors.no-retry-on-4xx', () => {
  it('passes when neither request is sent again, and says how long it was watched', () => {
    const { obs, notFound } = refusedOnce((j, token) => j.apiCall({ token, at: phase.start + 2, ...search(2) }));

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The requests answered 404 and 422 were not retried.');
    expect(metric(finding.evidence, 'retries of the request answered 404')).toBe(0);
    expect(requestSeqs(finding.evidence)).toContain(notFound.seq);
  });

  it('fails (a warning: it is advisory) a GET answered 404 that is sent again before any other call, and says how often and when (case 79)', () => {
    // A generic "retry any error" wrapper: twice, then it gives up and the poll goes on.
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const notFound = faulted(j, 'status 404', { token, at: phase.start + 1, ...order('O-1') });
    j.apiCall({ token, at: phase.start + 1.6, ...order('O-1') });
    j.apiCall({ token, at: phase.start + 2.6, ...order('O-1') });
    j.apiCall({ token, at: phase.start + 3, ...search(2) });
    const obs = observations({ journal: j.entries });

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('GET /api/Orders/O-1 answered 404 was sent again 2 time(s), the first 0.6 s later, before any other call: a 404 does not change on a retry.');
    expect(metric(finding.evidence, 'retries of the request answered 404')).toBe(2);
    expect(requestSeqs(finding.evidence)).toEqual(expect.arrayContaining([notFound.seq]));
    const result = runCheck(check, obs, context());
    expect(result.verdict).toBe('warn');
    expect(result.required).toBe(false);
  });

  it('fails a POST answered 422 that is sent again with the same body', () => {
    const { obs } = refusedOnce((j, token) => j.apiCall({ token, at: phase.start + 2.5, ...search(1) }));

    const finding = check.judge(obs);

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^POST \/api\/Orders\/Search answered 422 was sent again 1 time\(s\), the first 1 s later/);
  });

  it('does not count the same GET on the next round, after other calls, as a retry (a poller reading the same order)', () => {
    const { obs } = refusedOnce((j, token) => {
      j.apiCall({ token, at: phase.start + 2, ...search(2) });
      j.apiCall({ token, at: phase.start + 2.1, ...order('O-1') });
    });

    expect(check.judge(obs).verdict).toBe('pass');
  });

  it('does not count the next round of a poller of one route, at its usual pace, as a retry; a repeat much sooner than its pace is one', () => {
    /** A poller of one route every 250 ms since the steady phase (a new window each time, kept after a failed round); after the 404, its next send `after` s later. */
    const pollsOneUrl = (after: number) => {
      const j = journal();
      const token = j.tokenRequest({ at: 1 });
      for (let i = 0; i < 8; i++) j.apiCall({ token, at: 2 + i * 0.25, ...order(`O-${i + 2}`) });
      const notFound = faulted(j, 'status 404', { token, at: phase.start + 1, ...order('O-1') });
      j.apiCall({ token, at: phase.start + 1 + after, ...order('O-1') });
      return { finding: check.judge(observations({ journal: j.entries })), notFound };
    };

    const polled = pollsOneUrl(0.26);
    expect(polled.finding.verdict).toBe('pass');
    expect(polled.finding.evidence).toContainEqual({ kind: 'note', text: 'GET /api/Orders/O-1: its route is called every 0.25 s on its own; a repeat half that long or more after the 404 is its next round' });
    expect(pollsOneUrl(0.05).finding.verdict).toBe('fail');
  });

  it('counts a retry after a new token (a renew-then-retry is still a retry)', () => {
    const { obs } = refusedOnce((j) => {
      const renewed = j.tokenRequest({ at: phase.start + 2.5 });
      j.apiCall({ token: renewed, at: phase.start + 2.6, ...search(1) });
    });

    expect(check.judge(obs).verdict).toBe('fail');
  });

  it('is inconclusive when no call was answered 404 or 422, and when the phase did not run', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ token, at: phase.start + 1, ...search(1) });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('inconclusive');
    expect(check.judge(observations({ journal: j.entries, phases: allPhases().filter((p) => p.name !== 'malformed-responses') })).verdict).toBe('inconclusive');
  });
});
