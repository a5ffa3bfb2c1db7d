import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import { PRODUCTION_CLIENT, context, journal, observations, requestSeqs } from './test/journal.ts';
import check from './token.not-in-url.ts';
import secretInBody from './token.secret-in-body.ts';

describe('token.not-in-url', () => {
  it('passes when tokens travel only in the Authorization header', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(4, { from: 2, every: 1, token, query: { pageSize: '100' } });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('None of 5 request URLs carried a token or secret.');
  });

  it('fails when a bearer token is sent as a query parameter, and names the request', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token });
    const leaky = j.apiCall({
      at: 3,
      token,
      query: { access_token: 'eyJhbG…Q4' },
      secretsInUrl: [{ kind: 'token', where: 'query', param: 'access_token' }],
    });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('1 request(s) carried a token or secret in the URL.');
    expect(requestSeqs(finding.evidence)).toEqual([leaky.seq]);
    expect(finding.evidence[0]).toMatchObject({ path: '/api/Orders/ORD-1001?access_token=eyJhbG…Q4', note: 'token in query (access_token)' });
  });

  it('fails when a token is part of the path', () => {
    const j = journal();
    const leaky = j.apiCall({ at: 2, path: '/api/Orders/eyJhbG…Q4', secretsInUrl: [{ kind: 'token', where: 'path' }] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ seq: leaky.seq, note: 'token in path' });
  });

  it('fails when the webhook secret is sent in a URL', () => {
    const j = journal();
    j.apiCall({ at: 2, secretsInUrl: [{ kind: 'webhook-secret', where: 'query', param: 'secret' }] });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('fail');
  });

  it('fails when the client secret is in the URL of a call other than the token request', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const leaky = j.apiCall({ at: 2, token, secretsInUrl: [{ kind: 'client-secret', where: 'query', param: 'clientSecret' }] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(requestSeqs(finding.evidence)).toEqual([leaky.seq]);
  });

  it('leaves the client secret in the query of the token request to token.secret-in-body', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1, credentialsIn: 'query' });
    j.apiCalls(3, { from: 2, every: 1, token });
    const obs = observations({ journal: j.entries });

    expect(check.judge(obs).verdict).toBe('pass');
    expect(runCheck(secretInBody, obs, context()).verdict).toBe('warn');
  });

  it('still fails a token sent in the URL of the token request', () => {
    const j = journal();
    const request = j.entry({
      at: 1,
      method: 'POST',
      path: '/api/Token',
      routeId: 'Token_Post',
      secretsInUrl: [{ kind: 'token', where: 'query', param: 'refresh' }],
    });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(requestSeqs(finding.evidence)).toEqual([request.seq]);
  });

  it('looks at the production run too', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1, environment: 'production', client: PRODUCTION_CLIENT });
    const leaky = j.apiCall({ at: 2, token, secretsInUrl: [{ kind: 'token', where: 'query', param: 'token' }] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.evidence[0]).toMatchObject({ seq: leaky.seq, environment: 'production' });
  });

  it('lists at most eight offending requests, then how many more', () => {
    const j = journal();
    j.apiCalls(11, { from: 2, every: 1, secretsInUrl: [{ kind: 'token', where: 'query', param: 'access_token' }] });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.summary).toBe('11 request(s) carried a token or secret in the URL.');
    expect(requestSeqs(finding.evidence)).toHaveLength(8);
    expect(finding.evidence.at(-1)).toEqual({ kind: 'note', text: '…and 3 more' });
  });

  it('is inconclusive when the integration sent no request', () => {
    const finding = check.judge(observations({ journal: [] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration sent no request.');
  });
});
