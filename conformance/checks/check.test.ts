import { describe, expect, it } from 'vitest';
import { type Check, type Finding, checkContext, defineCheck, firstOf, phaseMissing, requestEvidence, runCheck, secondsAt, within } from './check.ts';
import { CHECKS } from './index.ts';
import { ENDPOINTS, PRODUCTION_CLIENT, RUN_START_MONO, context, journal, observations, phaseRecord } from './test/journal.ts';

const rule = (required: boolean, judge: () => Finding): Check =>
  defineCheck({ id: 'example.rule', title: 'An example rule', section: 'Token handling', required, phases: [], remediation: 'Do the right thing.', judge });

const finding = (verdict: Finding['verdict']): Finding => ({ verdict, summary: `it is ${verdict}`, evidence: [{ kind: 'note', text: 'why' }] });

describe('runCheck', () => {
  it('carries the check\'s identity, the verdict, the summary and the evidence into the result', () => {
    const result = runCheck(rule(true, () => finding('fail')), observations(), context());

    expect(result).toEqual({
      id: 'example.rule',
      title: 'An example rule',
      section: 'Token handling',
      required: true,
      verdict: 'fail',
      summary: 'it is fail',
      evidence: [{ kind: 'note', text: 'why' }],
      remediation: 'Do the right thing.',
    });
  });

  it('turns the fail of an advisory check into warn', () => {
    const result = runCheck(rule(false, () => finding('fail')), observations(), context());

    expect(result.verdict).toBe('warn');
    expect(result.remediation).toBe('Do the right thing.');
  });

  it.each(['pass', 'inconclusive', 'not-applicable'] as const)('leaves an advisory %s as it is', (verdict) => {
    expect(runCheck(rule(false, () => finding(verdict)), observations(), context()).verdict).toBe(verdict);
  });

  it.each(['pass', 'not-applicable'] as const)('gives no remediation on %s', (verdict) => {
    expect(runCheck(rule(true, () => finding(verdict)), observations(), context()).remediation).toBe('');
  });

  it('gives the remediation when the verdict is inconclusive', () => {
    expect(runCheck(rule(true, () => finding('inconclusive')), observations(), context()).remediation).toBe('Do the right thing.');
  });

  it('gives not-applicable, with the reason its appliesTo gives as the summary, without judging', () => {
    const judged: string[] = [];
    const check = defineCheck({
      ...rule(true, () => finding('fail')),
      appliesTo: ({ facts }) => facts.webhook || 'There is no endpoint.',
      judge: () => {
        judged.push('judged');
        return finding('fail');
      },
    });

    expect(runCheck(check, observations(), context({ webhook: false }))).toMatchObject({ verdict: 'not-applicable', summary: 'There is no endpoint.', evidence: [], remediation: '' });
    expect(judged).toEqual([]);
    expect(runCheck(check, observations(), context({ webhook: true })).verdict).toBe('fail');
    expect(judged).toEqual(['judged']);
  });

  it('reports a check that throws as an inconclusive bug in golive, with the message', () => {
    const result = runCheck(
      rule(true, () => {
        throw new TypeError("Cannot read properties of undefined (reading 'exp')");
      }),
      observations(),
      context(),
    );

    expect(result.verdict).toBe('inconclusive');
    expect(result.summary).toBe(
      "golive could not judge this check (a bug in golive, please report it): Cannot read properties of undefined (reading 'exp')",
    );
    expect(result.evidence).toEqual([]);
    expect(result.remediation).toBe('Do the right thing.');
  });

  it('reports a thrown value that is not an Error by its text', () => {
    const result = runCheck(
      rule(false, () => {
        throw 'no phases';
      }),
      observations(),
      context(),
    );

    expect(result.verdict).toBe('inconclusive');
    expect(result.summary).toMatch(/: no phases$/);
  });

  it('never lets one check\'s bug cost the others their verdicts', () => {
    const checks = [
      rule(true, () => finding('pass')),
      rule(true, () => {
        throw new Error('boom');
      }),
      rule(true, () => finding('fail')),
    ];

    expect(checks.map((c) => runCheck(c, observations(), context()).verdict)).toEqual(['pass', 'inconclusive', 'fail']);
  });
});

describe('checkContext', () => {
  it('tells from the config whether there is a webhook endpoint, and from the platform whether it issues tokens and scopes API users', () => {
    const { config } = context({ webhook: true });
    const withoutToken = Object.values(ENDPOINTS).filter((e) => e.id !== 'Token_Post');

    expect(checkContext(config, { endpoints: Object.values(ENDPOINTS), scoped: true }).facts).toMatchObject({ webhook: true, issuesTokens: true, scoped: true, tokenEndpoints: ["POST /api/Token"] });
    expect(checkContext({ ...config, webhook: undefined }, { endpoints: withoutToken, scoped: false }).facts).toEqual({ webhook: false, issuesTokens: false, scoped: false, tokenEndpoints: [], rotatesWithOverlap: false });
  });

  it('makes the checks about tokens (and scopes) not-applicable on a platform that has none, and only those', () => {
    const ctx = context();
    // A static key rotated with an overlap window, as the api-key profile's: the key-rotation check applies.
    const noTokens = { ...ctx, facts: { ...ctx.facts, issuesTokens: false, scoped: false, rotatesWithOverlap: true } };
    // No webhook endpoint, no front end and one tenant in this context either: those checks are not-applicable for that.
    const WEBHOOK_CHECKS = CHECKS.filter((c) => c.id.startsWith('webhooks.')).map((c) => c.id);
    const notApplicable = CHECKS.filter((c) => runCheck(c, observations(), noTokens).verdict === 'not-applicable').map((c) => c.id);

    // No call was redirected in these observations either: nothing for token.not-sent-on-redirect to judge (it applies to keys too).
    const NO_REDIRECT = 'token.not-sent-on-redirect';
    // The integration does not say it reads the IETF RateLimit header (the default): nothing sends it.
    const NO_RATELIMIT_HEADERS = 'errors.ratelimit-pause';
    expect(notApplicable.sort()).toEqual([NO_RATELIMIT_HEADERS, 'token.cached-and-reused', 'token.proactive-renewal', 'token.renew-once-on-401', 'token.secret-in-body', 'credentials.store-market-scoping', 'token.not-in-browser', 'tenancy.token-per-tenant', NO_REDIRECT, ...WEBHOOK_CHECKS].sort());
    expect(runCheck(CHECKS.find((c) => c.id === 'token.secret-in-body')!, observations(), noTokens).summary).toMatch(/issues no tokens/);
  });
});

describe('shared readings', () => {
  it('gives times in seconds since the run started, to one decimal', () => {
    const obs = observations();

    expect(secondsAt(obs, RUN_START_MONO)).toBe(0);
    expect(secondsAt(obs, RUN_START_MONO + 12_345)).toBe(12.3);
    expect(secondsAt(obs, RUN_START_MONO + 12_351)).toBe(12.4);
  });

  it('shows a request as evidence with its query string and an optional note', () => {
    const j = journal();
    const e = j.apiCall({ at: 4.5, query: { status: 'New', storeId: ['a', 'b'] }, status: 401 });

    expect(requestEvidence(observations(), e, 'revoked')).toEqual({
      kind: 'request',
      seq: e.seq,
      at: 4.5,
      method: 'GET',
      path: '/api/Orders/ORD-1001?status=New&storeId=a,b',
      status: 401,
      environment: 'test',
      note: 'revoked',
    });
    expect(requestEvidence(observations(), e)).not.toHaveProperty('note');
  });

  it('selects the entries of one environment between two times, both ends included', () => {
    const j = journal();
    const before = j.entry({ at: 1 });
    const first = j.entry({ at: 2 });
    j.entry({ at: 2.5, environment: 'production', apiUser: PRODUCTION_CLIENT });
    const last = j.entry({ at: 3 });
    j.entry({ at: 3.1 });
    const obs = observations({ journal: j.entries });

    expect(within(obs, first.mono, last.mono).map((e) => e.seq)).toEqual([first.seq, first.seq + 2]);
    expect(within(obs, first.mono, last.mono, 'production')).toHaveLength(1);
    expect(within(obs, before.mono, before.mono)).toEqual([before]);
  });

  it('says whether a needed phase did not run or ended early', () => {
    expect(phaseMissing('steady', undefined).summary).toBe('The "steady" phase did not run, so this could not be observed.');
    expect(phaseMissing('steady', phaseRecord('steady', { completed: false })).summary).toBe(
      'The "steady" phase ended early (the integration stopped), so this could not be observed.',
    );
  });

  it('keeps at most n items of evidence and notes how many it left out', () => {
    const notes = Array.from({ length: 10 }, (_, i) => ({ kind: 'note' as const, text: `#${i}` }));

    expect(firstOf(notes)).toHaveLength(9);
    expect(firstOf(notes).at(-1)).toEqual({ kind: 'note', text: '…and 2 more' });
    expect(firstOf(notes, 10)).toEqual(notes);
  });
});
