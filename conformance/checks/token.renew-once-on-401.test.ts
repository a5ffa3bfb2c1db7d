import { describe, expect, it } from 'vitest';
import check from './token.renew-once-on-401.ts';
import { ENDPOINTS, PHASES, PRODUCTION_CLIENT, journal, observations, phaseRecord, requestSeqs } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';

const revoked = PHASES['revoked-token'];
const lifetime = PHASES['revoked-token'].params.tokenLifetimeSeconds!;

/** Steady traffic on a 10-day token; the revoked-token phase then revokes it and the next call gets 401. */
function revokedMidRun() {
  const j = journal();
  const old = j.tokenRequest({ at: 1 });
  j.apiCalls(9, { from: 2, every: 1, token: old });
  const denied = j.apiCall({ at: revoked.start + 0.5, token: old, status: 401 });
  return { j, old, denied };
}

describe('token.renew-once-on-401', () => {
  it('passes when one token request follows the 401 and the call is retried with the new token', () => {
    const { j, denied } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    const retry = j.apiCall({ at: revoked.start + 0.75, token: renewal });
    j.apiCalls(4, { from: revoked.start + 1.5, every: 1, token: renewal });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('One token request, then the call was retried once with the new token and succeeded, 0.25 s after the 401.');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq, retry.seq]);
  });

  it('passes when two concurrent calls hit the revoked token and share one renewal', () => {
    const { j, old, denied } = revokedMidRun();
    j.apiCall({ at: revoked.start + 0.52, token: old, status: 401, endpoint: ENDPOINTS.searchOrders });
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.apiCall({ at: revoked.start + 0.7, token: renewal, endpoint: ENDPOINTS.searchOrders });
    const retry = j.apiCall({ at: revoked.start + 0.71, token: renewal });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq, retry.seq]);
  });

  it('fails when the integration keeps calling with the revoked token instead of renewing it', () => {
    const { j, old, denied } = revokedMidRun();
    const more = j.apiCalls(6, { from: revoked.start + 1, every: 0.5, token: old, status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('After a 401 the integration did not request a new token.');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, ...more.slice(0, 4).map((e) => e.seq)]);
  });

  it('fails when the integration renews but never retries the call that got the 401', () => {
    const { j, denied } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration renewed its token but did not retry GET /api/Orders/ORD-1001: the refused request was dropped.');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq]);
  });

  it('does not count a call to a different route as the retry', () => {
    const { j } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.apiCalls(3, { from: revoked.start + 0.7, every: 1, token: renewal, endpoint: ENDPOINTS.searchOrders });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('did not retry GET /api/Orders/ORD-1001');
  });

  it('does not count the same route for another resource as the retry', () => {
    const { j } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.apiCall({ at: revoked.start + 0.7, token: renewal, path: '/api/Orders/ORD-1002' });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('did not retry GET /api/Orders/ORD-1001');
  });

  it('does not count a retry that still presents the revoked token', () => {
    const { j, old } = revokedMidRun();
    j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.apiCall({ at: revoked.start + 0.7, token: old, status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('did not retry');
  });

  it('fails when the integration renews twice before retrying', () => {
    const { j, denied } = revokedMidRun();
    const first = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    const second = j.tokenRequest({ at: revoked.start + 0.7, lifetimeSeconds: lifetime });
    const retry = j.apiCall({ at: revoked.start + 0.8, token: second });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The integration requested 2 tokens before retrying, where one renewal should do.');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, first.seq, retry.seq]);
  });

  it('fails when the integration renews twice, even if it retries with the first new token', () => {
    const { j } = revokedMidRun();
    const first = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.tokenRequest({ at: revoked.start + 0.7, lifetimeSeconds: lifetime });
    j.apiCall({ at: revoked.start + 0.8, token: first });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('requested 2 tokens before retrying');
  });

  it('judges a retry as a retry: an answer that is not about the token (404) still passes', () => {
    const { j } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    const retry = j.apiCall({ at: revoked.start + 0.7, token: renewal, status: 404 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('One token request, then the call was retried once with the new token and was answered 404 (not a token matter), 0.2 s after the 401.');
    expect(requestSeqs(finding.evidence).at(-1)).toBe(retry.seq);
  });

  it('fails when the retried call is refused again with the new token', () => {
    const { j } = revokedMidRun();
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    j.apiCall({ at: revoked.start + 0.7, token: renewal, status: 401 });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The retried call was refused again (401) with the new token.');
  });

  it('fails a poller that drops the refused request and lets its next poll (a new window) get the token', () => {
    const j = journal();
    const old = j.tokenRequest({ at: 1 });
    const window = (n: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"09:00:0${n}"}` });
    j.apiCall({ at: 2, token: old, ...window(1) });
    const denied = j.apiCall({ at: revoked.start + 0.5, token: old, status: 401, ...window(2) });
    // Nothing until the next scheduled poll, which fetches a token and sends its own window.
    const renewal = j.tokenRequest({ at: revoked.start + 3, lifetimeSeconds: lifetime });
    const nextPoll = j.apiCall({ at: revoked.start + 3.1, token: renewal, ...window(3) });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      'The integration renewed its token but did not retry POST /api/Orders/Search (its later POST /api/Orders/Search was a different request: another body or query): the refused request was dropped.',
    );
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq, nextPoll.seq]);
  });

  it('ignores the production run', () => {
    const { j, denied } = revokedMidRun();
    const prod = j.tokenRequest({ at: revoked.start + 0.55, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCall({ at: revoked.start + 0.56, token: prod });
    const renewal = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
    const retry = j.apiCall({ at: revoked.start + 0.7, token: renewal });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq, retry.seq]);
  });

  it('is inconclusive when no call was made after the tokens were revoked', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(5, { from: 2, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('No API call was answered 401 after the tokens were revoked');
  });

  it('is inconclusive when the revoked-token phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"revoked-token" phase did not run');
  });

  it('is inconclusive when the revoked-token phase ended early', () => {
    const { j } = revokedMidRun();
    const phases = [phaseRecord('steady'), phaseRecord('revoked-token', { end: revoked.start + 0.6, completed: false })];

    const finding = check.judge(observations({ journal: j.entries, phases }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"revoked-token" phase ended early');
  });

  it('calls a 403 of the retry a token matter when the renewal sent `scope:` with a colon', () => {
    const j = journal();
    const old = scopedTokenRequest(j, { at: 1, scope: 'read-profiles' });
    j.apiCalls(3, { from: 2, every: 1, token: old, endpoint: SCOPED.listProfiles });
    const denied = j.apiCall({ at: revoked.start + 0.5, token: old, endpoint: SCOPED.listProfiles, status: 401 });
    const renewal = scopedTokenRequest(j, { at: revoked.start + 0.6, scope: 'read-profiles', withColon: ['scope'] });
    const retry = j.apiCall({ at: revoked.start + 0.75, token: renewal, endpoint: SCOPED.listProfiles, status: 403, denied: 'missing scope read-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'One token request, then the call was retried once with the new token and was answered 403, 0.25 s after the 401. The token request sent the field `scope:` (with a colon, as in an example written `scope: …`), which the token endpoint does not take, so the token was issued without the scopes the calls needed and 1 of 1 call(s) made with it were refused with 403: send `scope` (no colon) with the scopes the integration needs.',
    );
    expect(requestSeqs(finding.evidence)).toEqual([denied.seq, renewal.seq, retry.seq]);
  });
});
