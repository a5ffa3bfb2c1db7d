import { describe, expect, it } from 'vitest';
import check from './errors.ratelimit-pause.ts';
import { runCheck } from './check.ts';
import { ENDPOINTS, LANE_CLIENT, PHASES, context, faulted, journal, observations, requestSeqs } from './test/journal.ts';

const pause = PHASES['ratelimit-pause'];

/** A poll of the order search: each poll has its own time window in the body. */
const poll = (window: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"2026-01-12T09:${String(window).padStart(4, '0')}Z"}` });

/**
 * The phase as the mock plays it: the first call is answered 200 with `RateLimit: "default";r=<r>;t=<t>`;
 * the client's next calls come at `next` (seconds after that answer).
 */
function told({ t = 10, r = 0, next = [11] as number[], client = undefined as string | undefined } = {}) {
  const j = journal();
  const token = j.tokenRequest({ at: pause.start - 5, ...(client ? { client } : {}) });
  const answer = faulted(j, `ratelimit r=${r};t=${t}`, { token, at: pause.start + 0.5, status: 200, ...poll(1) });
  const after = next.map((s, i) => j.apiCall({ token, at: pause.start + 0.5 + 0.003 + s, ...poll(i + 2) }));
  return { j, answer, after };
}

const judge = (run: ReturnType<typeof told>, lanes: string[] = []) =>
  runCheck(check, observations({ journal: run.j.entries, clients: { test: 'client-erp-order-export-test', production: 'client-erp-order-export-prod', lanes } }), context({ rateLimitHeaders: true }));

describe('errors.ratelimit-pause', () => {
  it('warns on a call sent before t elapsed, naming it and how early it came', () => {
    const run = told({ next: [0.5, 2, 11] });

    const finding = judge(run);

    expect(finding.verdict).toBe('warn');
    expect(finding.summary).toBe('2 call(s) came before the quota was back: the first 0.5 s after an answer said RateLimit r=0;t=10.');
    expect(requestSeqs(finding.evidence)).toEqual([run.answer.seq, run.after[0]!.seq, run.after[1]!.seq]);
  });

  it('passes a client that paused until t, and says when its next call came', () => {
    const finding = judge(told({ next: [10.2, 12] }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The client paused until the quota was back: the next call came 10.2 s after an answer said RateLimit r=0;t=10.');
  });

  it('passes a client that made no call after the answer', () => {
    expect(judge(told({ next: [] })).verdict).toBe('pass');
  });

  it('tolerates a call a few milliseconds early (the mock notes its answer a little late)', () => {
    expect(judge(told({ t: 2, next: [1.97] })).verdict).toBe('pass');
  });

  it('judges only answers that said r=0', () => {
    const finding = judge(told({ r: 5, next: [0.2] }));
    expect(finding.verdict).toBe('not-applicable');
    expect(finding.summary).toContain('the platform documents none');
  });

  it("judges a side lane's API user", () => {
    expect(judge(told({ client: LANE_CLIENT, next: [0.5] }), [LANE_CLIENT]).verdict).toBe('warn');
  });

  it('does not apply, and says why, unless the config says the integration reads the header (Omnium sends none)', () => {
    const finding = runCheck(check, observations({ journal: told({ next: [0.5] }).j.entries }), context());
    expect(finding.verdict).toBe('not-applicable');
    expect(finding.summary).toContain('integration.rateLimitHeaders');
  });
});
