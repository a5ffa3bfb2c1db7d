import { describe, expect, it } from 'vitest';
import check from './token.cached-and-reused.ts';
import { PHASES, PRODUCTION_CLIENT, journal, metric, monoAt, observations, phaseRecord, requestSeqs } from './test/journal.ts';

const { start, end } = PHASES.steady;
const short = PHASES['short-lived-tokens'];
const lifetime = short.params.tokenLifetimeSeconds!;

/** A steady phase that passes (one token, calls on a timer), then `shortPhase` adds the short-lived-token phase's traffic. */
function withShortPhase(shortPhase: (j: ReturnType<typeof journal>) => void) {
  const j = journal();
  const token = j.tokenRequest({ at: start - 0.5 });
  j.apiCalls(7, { from: start, every: 1, token });
  shortPhase(j);
  return check.judge(observations({ journal: j.entries }));
}

describe('token.cached-and-reused', () => {
  it('passes when one token serves every call of the steady phase', () => {
    const j = journal();
    const token = j.tokenRequest({ at: start - 0.5 });
    j.apiCalls(7, { from: start, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toContain('1 token request(s) served 7 API calls');
  });

  it('counts the token requested at start-up, before the steady phase began', () => {
    const j = journal();
    j.tokenRequest({ at: 0.2 });
    const token = j.tokenRequest({ at: start + 0.5 });
    j.apiCalls(5, { from: start + 1, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(metric(finding.evidence, 'token requests')).toBe(2);
  });

  it('names the lifetime the platform gave its tokens, not Omnium’s', () => {
    const j = journal();
    for (let i = 0; i < 3; i++) j.apiCall({ at: start + i + 0.2, token: j.tokenRequest({ at: start + i, lifetimeSeconds: 900 }) });
    expect(check.judge(observations({ journal: j.entries })).summary).toContain('where one token (valid 15 minutes) would do');
  });

  it('fails when each API call fetches a new token', () => {
    const j = journal();
    const tokens = [];
    for (let i = 0; i < 6; i++) {
      const token = j.tokenRequest({ at: start + i });
      tokens.push(token);
      j.apiCall({ at: start + i + 0.2, token });
    }

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('6 token requests for 6 API calls');
    expect(finding.summary).toContain('where one token (valid 10 days) would do');
    expect(metric(finding.evidence, 'token requests')).toBe(6);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'metric', name: 'token requests', limit: 1 }));
    // The first five token requests are listed, then a note of the rest.
    expect(requestSeqs(finding.evidence)).toEqual(tokens.slice(0, 5).map((t) => t.seq));
    expect(finding.evidence.at(-1)).toEqual({ kind: 'note', text: '…and 1 more' });
  });

  it('allows one extra token request forced by a 401', () => {
    const j = journal();
    const first = j.tokenRequest({ at: start });
    j.apiCalls(3, { from: start + 1, every: 1, token: first });
    j.apiCall({ at: start + 4, token: first, status: 401 });
    const second = j.tokenRequest({ at: start + 4.1 });
    j.apiCalls(4, { from: start + 4.2, every: 1, token: second });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'token requests')).toBe(2);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ name: 'token requests', limit: 2 }));
  });

  it('does not allow a second token request that no 401 forced', () => {
    const j = journal();
    const first = j.tokenRequest({ at: start });
    j.apiCalls(3, { from: start + 0.5, every: 0.5, token: first });
    const second = j.tokenRequest({ at: start + 2.1 });
    j.apiCalls(3, { from: start + 2.2, every: 0.5, token: second });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('2 token requests for 6 API calls');
    expect(requestSeqs(finding.evidence)).toEqual([first.seq, second.seq]);
  });

  it('does not count refused token requests', () => {
    const j = journal();
    j.tokenRequest({ at: start, status: 401 });
    const token = j.tokenRequest({ at: start + 0.5 });
    j.apiCalls(4, { from: start + 1, every: 1, token });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('ignores the production run going on alongside, and traffic after the steady phase', () => {
    const j = journal();
    const token = j.tokenRequest({ at: start });
    j.apiCalls(5, { from: start + 1, every: 1, token });
    for (let i = 0; i < 3; i++) {
      const prod = j.tokenRequest({ at: start + 1.5 + i, environment: 'production', client: PRODUCTION_CLIENT });
      j.apiCall({ token: prod });
    }
    for (let i = 0; i < 3; i++) j.apiCall({ at: end + 1 + i, token: j.tokenRequest({ at: end + 0.5 + i }) });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'API calls')).toBe(5);
  });

  it('is inconclusive with fewer than two API calls', () => {
    const j = journal();
    const token = j.tokenRequest({ at: start });
    j.apiCall({ at: start + 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('Only 1 API call(s)');
  });

  it('does not count health checks as API calls', () => {
    const j = journal();
    const token = j.tokenRequest({ at: start });
    j.apiCall({ at: start + 1, token });
    for (let i = 0; i < 5; i++) j.entry({ at: start + 2 + i });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('inconclusive');
  });

  it('is inconclusive when the steady phase did not run', () => {
    const finding = check.judge(observations({ phases: [] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"steady" phase did not run');
  });

  it('is inconclusive when the steady phase ended early, even if tokens were requested per call', () => {
    const j = journal();
    for (let i = 0; i < 4; i++) j.apiCall({ at: start + i + 0.2, token: j.tokenRequest({ at: start + i }) });

    const finding = check.judge(observations({ journal: j.entries, phases: [phaseRecord('steady', { end: start + 5, completed: false })] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"steady" phase ended early');
  });

  describe('in job mode', () => {
    /** Four runs of a job, 2 s apart, each asking for a token and making two calls. */
    function fourRuns() {
      const j = journal();
      const starts: number[] = [];
      for (let run = 0; run < 4; run++) {
        const at = start + run * 2;
        starts.push(monoAt(at));
        const token = j.tokenRequest({ at: at + 0.1 });
        j.apiCalls(2, { from: at + 0.3, every: 0.2, token });
      }
      return { j, starts };
    }

    it('allows one token per run of a job that keeps no state between runs (integration.tokenCache: false)', () => {
      const { j, starts } = fourRuns();
      const finding = check.judge(observations({ journal: j.entries, job: { tokenCache: false, starts } }));
      expect(finding.verdict).toBe('pass');
      expect(finding.summary).toBe('4 token request(s) served 8 API calls in the steady phase across 4 run(s) of the job (it keeps no state between runs: one token per run is allowed).');
      expect(metric(finding.evidence, 'job runs')).toBe(4);
    });

    it('fails a job that asks once per run although golive handed it a token cache folder', () => {
      const { j, starts } = fourRuns();
      const finding = check.judge(observations({ journal: j.entries, job: { tokenCache: true, starts } }));
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toBe('4 token requests for 8 API calls in the steady phase (4 job run(s)), although golive handed the job a token cache folder (GOLIVE_TOKEN_CACHE_DIR) to keep its token in between runs.');
    });

    it('passes a job that reuses the cached token across its runs', () => {
      const j = journal();
      const token = j.tokenRequest({ at: start + 0.1 });
      const starts = [0, 1, 2, 3].map((run) => monoAt(start + run * 2));
      for (let run = 0; run < 4; run++) j.apiCalls(2, { from: start + run * 2 + 0.3, every: 0.2, token });
      const finding = check.judge(observations({ journal: j.entries, job: { tokenCache: true, starts } }));
      expect(finding.verdict).toBe('pass');
      expect(finding.summary).toContain('across 4 run(s) of the job, with the token cache folder golive handed it');
    });

    it('does not let a stateless job ask twice in one run', () => {
      const { j, starts } = fourRuns();
      j.tokenRequest({ at: start + 0.2 });
      const finding = check.judge(observations({ journal: j.entries, job: { tokenCache: false, starts } }));
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toContain('more than one per run of the job');
    });
  });

  describe('over several token lifetimes (the short-lived-token phase)', () => {
    it('passes a client that renews once per token, at 80 % of its lifetime, while 50 calls a second go on', () => {
      const finding = withShortPhase((j) => {
        for (let at = short.start; at < short.end; at += lifetime * 0.8) {
          const token = j.tokenRequest({ at, lifetimeSeconds: lifetime });
          j.apiCalls(50, { from: at + 0.01, every: 0.01, token });
        }
      });
      expect(finding.verdict, finding.summary).toBe('pass');
    });

    it('fails a client that renews every second on tokens that live far longer (case 70)', () => {
      const finding = withShortPhase((j) => {
        for (let at = short.start + 0.5; at < short.end; at += 1) {
          const token = j.tokenRequest({ at, lifetimeSeconds: lifetime });
          j.apiCall({ at: at + 0.1, token });
        }
      });
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toMatch(new RegExp(`token requests in the \\d+-second short-lived-token phase with ${lifetime}-second tokens, where renewing at half the lifetime would need at most \\d+`));
      expect(finding.evidence[0]).toMatchObject({ kind: 'metric', name: 'token requests (short-lived-token phase)' });
    });

    it('fails 50 concurrent calls that each renew the token at one expiry (case 72: no single flight)', () => {
      const finding = withShortPhase((j) => {
        const first = j.tokenRequest({ at: short.start + 0.1, lifetimeSeconds: lifetime });
        j.apiCalls(5, { from: short.start + 0.2, every: 1, token: first });
        const expiry = short.start + 0.1 + lifetime * 0.8;
        for (let i = 0; i < 50; i++) j.tokenRequest({ at: expiry + i * 0.005, lifetimeSeconds: lifetime });
      });
      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toMatch(/^50 token requests within 1 s during the short-lived-token phase, with no 401 between them: concurrent calls each renewed/);
      expect(finding.evidence.at(-1)).toEqual({ kind: 'note', text: '…and 42 more' });
    });

    it('allows two renewals racing at one expiry, and leaves renewals a 401 forced to token.renew-once-on-401', () => {
      const racing = withShortPhase((j) => {
        const first = j.tokenRequest({ at: short.start + 0.1, lifetimeSeconds: lifetime });
        j.apiCall({ at: short.start + 0.2, token: first });
        j.tokenRequest({ at: short.start + lifetime * 0.8, lifetimeSeconds: lifetime });
        j.tokenRequest({ at: short.start + lifetime * 0.8 + 0.01, lifetimeSeconds: lifetime });
      });
      expect(racing.verdict, racing.summary).toBe('pass');
      const afterRefusals = withShortPhase((j) => {
        const first = j.tokenRequest({ at: short.start + 0.1, lifetimeSeconds: lifetime });
        const at = short.start + lifetime * 0.5;
        for (let i = 0; i < 3; i++) j.apiCall({ at: at + i * 0.01, token: first, status: 401 });
        for (let i = 0; i < 3; i++) j.tokenRequest({ at: at + 0.05 + i * 0.01, lifetimeSeconds: lifetime });
      });
      expect(afterRefusals.verdict, afterRefusals.summary).toBe('pass');
    });
  });
});
