import { describe, expect, it } from 'vitest';
import { type JournalEntry, PLAIN_HTTP_REFUSED } from '../../mock-server/index.ts';
import { runCheck } from './check.ts';
import { PRODUCTION_CLIENT, context, journal, observations, requestSeqs } from './test/journal.ts';
import check from './transport.https-only.ts';

/** What the mock records for a request that came in plain HTTP to the HTTPS port: refused with 403, never resolved. */
const plain = (e: JournalEntry, sentInClear: JournalEntry['sentInClear']): JournalEntry =>
  Object.assign(e, { transport: 'http', status: 403, denied: PLAIN_HTTP_REFUSED, sentInClear, touched: null });

describe('transport.https-only', () => {
  it('passes when every request of the run came over HTTPS', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(10, { from: 2, every: 1, token });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('pass');
    expect(result.summary).toContain('All 11 requests');
  });

  it('fails on an API call over plain HTTP that carried the bearer token, and names it in the summary', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: 2, every: 1, token });
    const clear = plain(j.apiCall({ at: 8, token }), [{ kind: 'token', where: 'header', name: 'authorization' }]);

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('fail');
    expect(result.summary).toMatch(/^1 request\(s\) went to the API over plain HTTP/);
    expect(result.summary).toContain('the bearer token in the authorization header (1 request)');
    expect(requestSeqs(result.evidence)).toEqual([clear.seq]);
    expect(result.evidence[0]).toMatchObject({ status: 403, note: `plain HTTP: the bearer token in the authorization header sent in clear (${clear.tokenMasked})` });
    expect(clear.tokenMasked).toMatch(/…/);
    expect(result.remediation).not.toBe('');
  });

  it('fails on a token request over plain HTTP and names the client secret sent in clear', () => {
    const j = journal();
    plain(j.tokenRequest({ at: 1, status: 403 }), [{ kind: 'client-secret', where: 'body' }]);
    plain(j.tokenRequest({ at: 2, status: 403, credentialsIn: 'query' }), [{ kind: 'client-secret', where: 'query', name: 'clientSecret' }]);

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('the client secret in the body (1 request)');
    expect(result.summary).toContain('the client secret in the query string (clientSecret) (1 request)');
  });

  it('fails on a plain request without credentials, and says none were sent', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token });
    plain(j.entry({ at: 6 }), []);

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('without credentials');
    expect(result.evidence[0]).toMatchObject({ note: 'plain HTTP, no credentials' });
  });

  it('fails on a plain request of the production run too', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token });
    const prodToken = j.tokenRequest({ at: 3, client: PRODUCTION_CLIENT, environment: 'production' });
    plain(j.apiCall({ at: 4, token: prodToken }), [{ kind: 'token', where: 'header', name: 'authorization' }]);

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('fail');
    expect(result.evidence[0]).toMatchObject({ environment: 'production' });
  });

  it("counts each plain request once however many places its credentials were in, and keeps the evidence short", () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    for (let i = 0; i < 12; i++) {
      plain(j.apiCall({ at: 2 + i, token }), [
        { kind: 'token', where: 'header', name: 'authorization' },
        { kind: 'token', where: 'query', name: 'access_token' },
      ]);
    }

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.summary).toMatch(/^12 request\(s\)/);
    expect(result.summary).toContain('the bearer token in the authorization header (12 requests)');
    expect(result.summary).toContain('the bearer token in the query string (access_token) (12 requests)');
    expect(requestSeqs(result.evidence)).toHaveLength(8);
    expect(result.evidence.at(-1)).toEqual({ kind: 'note', text: '…and 4 more' });
  });

  it("leaves another API user's plain request to that user", () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token });
    plain(j.apiCall({ at: 6, client: 'someone-else' }), [{ kind: 'token', where: 'header', name: 'authorization' }]);

    expect(runCheck(check, observations({ journal: j.entries }), context()).verdict).toBe('pass');
  });

  it('is inconclusive when the integration sent no request at all', () => {
    const result = runCheck(check, observations({ journal: [] }), context());

    expect(result.verdict).toBe('inconclusive');
    expect(result.summary).toContain('sent no request');
  });
});
