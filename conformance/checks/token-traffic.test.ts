import { describe, expect, it } from 'vitest';
import { ENDPOINTS, journal, observations } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';
import { askedFor, describeMistake, fieldMistake, misspelledFields, refusalsExplained } from './token-traffic.ts';

const MISSING_READ = 'missing scope read-profiles';

describe('misspelledFields', () => {
  it('reads `body.scope:` as the field scope sent with a colon', () => {
    const j = journal();
    const e = scopedTokenRequest(j, { scope: '*', withColon: ['scope'] });

    expect(misspelledFields(e)).toEqual([{ sent: 'scope:', meant: 'scope', mark: ':' }]);
  });

  it('shows a `name: value` key, a quoted name and other punctuation up to the mark, never the value after it', () => {
    const j = journal();
    const e = j.tokenRequest({ unaccepted: ['body.scope: read-profiles update-profiles', 'body."username":', 'query.password=', 'body.grant_type;'] });

    expect(misspelledFields(e)).toEqual([
      { sent: 'scope:', meant: 'scope', mark: ':' },
      { sent: '"username":', meant: 'username', mark: ':' },
      { sent: 'password=', meant: 'password', mark: '=' },
      { sent: 'grant_type;', meant: 'grant_type', mark: ';' },
    ]);
  });

  it('ignores plain unknown fields, nested ones, hidden secret names, and a name whose bare form is not taken either', () => {
    const j = journal();
    const e = j.tokenRequest({ unaccepted: ['body.debug', 'body.customer.email:', 'body.(secret)', 'body.audience', 'body.audience:'] });

    expect(misspelledFields(e)).toEqual([]);
  });

  it('reads only token requests', () => {
    const j = journal();
    const token = j.tokenRequest();
    const call = j.apiCall({ token, unaccepted: ['body.note:'] });

    expect(misspelledFields(call)).toEqual([]);
  });
});

describe('askedFor', () => {
  it('reads the scope a form body asks for, separated by spaces', () => {
    const j = journal();

    expect(askedFor(scopedTokenRequest(j, { scope: 'read-profiles update-profiles' }))).toEqual(['read-profiles', 'update-profiles']);
    expect(askedFor(scopedTokenRequest(j, { scope: '*' }))).toEqual(['*']);
  });

  it('reads a JSON body and the query string', () => {
    const j = journal();

    expect(askedFor(j.tokenRequest({ endpoint: SCOPED.token, body: '{"grant_type":"client_credentials","scope":"read-profiles"}' }))).toEqual(['read-profiles']);
    expect(askedFor(j.entry({ tokenRequest: true, query: { scope: '*' } }))).toEqual(['*']);
  });

  it('is null when the request names no scope (a colon-named field included), or its body was cut', () => {
    const j = journal();

    expect(askedFor(j.tokenRequest())).toBeNull();
    expect(askedFor(scopedTokenRequest(j, { scope: '*', withColon: ['scope'] }))).toBeNull();
    expect(askedFor(j.tokenRequest({ body: 'grant_type=client_credentials&scope=read-pro…[120 more]' }))).toBeNull();
  });
});

describe('describeMistake', () => {
  it('explains a token without scopes whose calls were all refused, and what to send instead', () => {
    const j = journal();
    const token = scopedTokenRequest(j, { at: 1, scope: 'read-profiles', withColon: ['scope'] });
    const calls = j.apiCalls(3, { from: 2, every: 1, token, endpoint: SCOPED.listProfiles, status: 403, denied: MISSING_READ });
    const obs = scopedObservations({ journal: j.entries });

    const m = fieldMistake(obs, calls)!;

    expect(m.refused).toEqual(calls);
    expect(describeMistake(m, 'scope', ['read-profiles'])).toBe(
      'The token request sent the field `scope:` (with a colon, as in an example written `scope: …`), which the token endpoint does not take, so the token was issued without the scopes the calls needed and 3 of 3 call(s) made with it were refused with 403: send `scope` (no colon) with the scopes the integration needs (read-profiles).',
    );
  });

  it('names every field and every token request', () => {
    const j = journal();
    const first = scopedTokenRequest(j, { at: 1, scope: '*', withColon: ['username', 'password', 'scope'] });
    j.apiCall({ at: 2, token: first, endpoint: SCOPED.listProfiles, status: 403, denied: MISSING_READ });
    const second = scopedTokenRequest(j, { at: 3, scope: '*', withColon: ['username', 'password', 'scope'] });
    j.apiCall({ at: 4, token: second, endpoint: SCOPED.listProfiles, status: 403, denied: MISSING_READ });
    const obs = scopedObservations({ journal: j.entries });

    expect(describeMistake(fieldMistake(obs, j.entries.filter((e) => !e.tokenRequest))!, 'scope')).toBe(
      '2 token requests sent the fields `username:`, `password:` and `scope:` (each with a colon, as in an example written `username: …`), which the token endpoint does not take, so the tokens were issued without the scopes the calls needed and 2 of 2 call(s) made with them were refused with 403: send `username`, `password` and `scope` (no colon) with the scopes the integration needs.',
    );
  });

  it('says what the token endpoint answered when no token was issued', () => {
    const j = journal();
    j.tokenRequest({ at: 1, status: 400, unaccepted: ['body.grant_type='] });
    const obs = observations({ journal: j.entries });

    expect(describeMistake(fieldMistake(obs, [])!, 'role')).toBe(
      'The token request sent the field `grant_type=` (with an equals sign), which the token endpoint does not take, and it was answered 400: send `grant_type` (no equals sign).',
    );
  });
});

describe('refusalsExplained', () => {
  it('is null when no token request misspelled a field, or none of the calls was refused for it', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const refused = j.apiCall({ at: 2, token, endpoint: ENDPOINTS.addOrder, status: 403, denied: 'missing role OrderAdmin' });
    expect(refusalsExplained(observations({ journal: j.entries }), [refused])).toBeNull();

    const k = journal();
    const colon = scopedTokenRequest(k, { at: 1, scope: '*', withColon: ['username'] });
    const worked = k.apiCall({ at: 2, token: colon, endpoint: SCOPED.listProfiles });
    expect(refusalsExplained(scopedObservations({ journal: k.entries }), [worked])).toBeNull();
  });

  it('gives the sentence, the token request and the first refused call as evidence', () => {
    const j = journal();
    const token = scopedTokenRequest(j, { at: 1, scope: '*', withColon: ['scope'] });
    const refused = j.apiCall({ at: 2, token, endpoint: SCOPED.listProfiles, status: 403, denied: MISSING_READ });

    const explained = refusalsExplained(scopedObservations({ journal: j.entries }), [refused])!;

    expect(explained.text).toMatch(/^The token request sent the field `scope:` .* send `scope` \(no colon\) with the scopes the integration needs\.$/);
    expect(explained.evidence).toEqual([
      expect.objectContaining({ kind: 'request', seq: token.seq, note: 'sent "scope:", not taken by the endpoint' }),
      expect.objectContaining({ kind: 'request', seq: refused.seq, status: 403, note: `403: ${MISSING_READ}` }),
    ]);
  });
});
