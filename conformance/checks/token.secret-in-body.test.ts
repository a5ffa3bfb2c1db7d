import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import { context, journal, observations, requestSeqs } from './test/journal.ts';
import check from './token.secret-in-body.ts';

describe('token.secret-in-body', () => {
  it('passes when every token request carries the secret in a form body', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });
    j.tokenRequest({ at: 20 });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('pass');
    expect(result.summary).toBe('All 2 token request(s) sent the secret in the body, never in the query string.');
    expect(result.remediation).toBe('');
  });

  it('warns, as an advisory check, when a token request puts the secret in the query string', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });
    const inQuery = j.tokenRequest({ at: 20, credentialsIn: 'query' });
    j.tokenRequest({ at: 40 });

    const finding = check.judge(observations({ journal: j.entries }));
    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(finding.verdict).toBe('fail');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe('1 of 3 token request(s) sent the client secret in the query string.');
    expect(requestSeqs(result.evidence)).toEqual([inQuery.seq]);
    expect(result.evidence[0]).toMatchObject({ path: expect.stringContaining('/api/Token?clientId='), note: 'clientSecret in the query string' });
    expect(result.remediation).toContain('in the body of the token request (POST /api/Token,');
  });

  it('warns when the secret is sent in both the query and the body', () => {
    const j = journal();
    const both = j.tokenRequest({ at: 1, credentialsIn: 'both' });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(requestSeqs(finding.evidence)).toEqual([both.seq]);
  });

  it('says where the secret went when the platform takes it in a header (an API token exchanged as a bearer)', () => {
    const j = journal();
    Object.assign(j.tokenRequest({ at: 2 }), { credentialsIn: 'header', requestBody: null });
    expect(check.judge(observations({ journal: j.entries })).summary).toBe('All 1 token request(s) sent the secret in a header, never in the query string.');
  });

  it('ignores token requests that carried no credentials', () => {
    const j = journal();
    j.entry({ at: 1, method: 'POST', path: '/api/Token', routeId: 'Token_Post', status: 400 });
    j.tokenRequest({ at: 2 });

    expect(check.judge(observations({ journal: j.entries })).summary).toBe('All 1 token request(s) sent the secret in the body, never in the query string.');
  });

  it('is inconclusive when no token request carried credentials', () => {
    const j = journal();
    j.entry({ at: 1 });
    j.entry({ at: 2, method: 'POST', path: '/api/Token', routeId: 'Token_Post', status: 400 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration made no token request with credentials.');
  });
});
