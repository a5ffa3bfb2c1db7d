import { describe, expect, it } from 'vitest';
import check from './errors.no-retry-on-403.ts';
import { ENDPOINTS, PHASES, journal, logLine, observations, phaseRecord, requestSeqs } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';

const missingRole = PHASES['missing-role'];
const seconds = missingRole.end - missingRole.start;

/** Steady reads that keep succeeding; OrderAdmin is withdrawn, and the one order push gets 403. */
function roleWithdrawn() {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 2, token });
  j.apiCall({ at: missingRole.start + 0.5, token });
  const forbidden = j.apiCall({ at: missingRole.start + 1, token, endpoint: ENDPOINTS.addOrder, status: 403, denied: 'missing role OrderAdmin' });
  j.apiCalls(3, { from: missingRole.start + 1.5, every: 1, token });
  return { j, token, forbidden };
}

const problem = (at: number) =>
  logLine('ERROR POST /api/Orders answered 403 Forbidden: the API user lacks the role OrderAdmin. Not retrying.', { at, stream: 'stderr' });

describe('errors.no-retry-on-403', () => {
  it('passes when one 403 among successes is not repeated and a log line names it', () => {
    const { j, forbidden } = roleWithdrawn();
    const line = problem(missingRole.start + 1.1);

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('fetched 20 orders', { at: 2 }), line] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The request that got 403 was not repeated, and the problem was logged.');
    expect(requestSeqs(finding.evidence)).toEqual([forbidden.seq]);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', status: 403, note: '403: missing role OrderAdmin' }));
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'log', stream: 'stderr', text: line.text }));
  });

  it('fails when the request that got 403 is repeated, and says how often', () => {
    const { j, token, forbidden } = roleWithdrawn();
    const repeats = [2.5, 3.5].map((dt) =>
      j.apiCall({ at: missingRole.start + dt, token, endpoint: ENDPOINTS.addOrder, status: 403, denied: 'missing role OrderAdmin' }),
    );

    const finding = check.judge(observations({ journal: j.entries, logs: [problem(missingRole.start + 1.1)] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(`The request that got 403 was repeated 2 time(s) within ${seconds} s.`);
    expect(requestSeqs(finding.evidence)).toEqual([forbidden.seq, ...repeats.map((e) => e.seq)]);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'request', seq: repeats[0]!.seq, note: 'repeated' }));
  });

  it('calls a renew-token-then-retry a retry', () => {
    const { j, forbidden } = roleWithdrawn();
    const renewed = j.tokenRequest({ at: missingRole.start + 1.2 });
    const retry = j.apiCall({ at: missingRole.start + 1.3, token: renewed, endpoint: ENDPOINTS.addOrder, status: 403, denied: 'missing role OrderAdmin' });

    const finding = check.judge(observations({ journal: j.entries, logs: [problem(missingRole.start + 1.4)] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `The request that got 403 was repeated 1 time(s) within ${seconds} s (after requesting a new token: a renew-then-retry is still a retry, and a new token carries the same roles).`,
    );
    expect(requestSeqs(finding.evidence)).toEqual([forbidden.seq, retry.seq]);
  });

  it('fails when the 403 is not repeated but no log line names the problem', () => {
    const { j, forbidden } = roleWithdrawn();

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('fetched 20 orders', { at: missingRole.start + 2 })] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The 403 was not retried, but no log line names the problem: an operator would not know a role is missing.');
    expect(requestSeqs(finding.evidence)).toEqual([forbidden.seq]);
  });

  it('does not accept a line printed before the 403, or by the production run', () => {
    const { j } = roleWithdrawn();
    const logs = [problem(missingRole.start + 0.5), { ...problem(missingRole.start + 2), run: 'production' as const }];

    expect(check.judge(observations({ journal: j.entries, logs })).verdict).toBe('fail');
  });

  it('does not accept a line about a later problem, long after the phase', () => {
    const { j } = roleWithdrawn();
    const later = logLine('ERROR 401 Unauthorized: access denied, API user deactivated?', { at: missingRole.end + 6, stream: 'stderr' });

    expect(check.judge(observations({ journal: j.entries, logs: [later] })).verdict).toBe('fail');
  });

  it('accepts a line that comes shortly after the phase', () => {
    const { j } = roleWithdrawn();

    expect(check.judge(observations({ journal: j.entries, logs: [problem(missingRole.end + 4)] })).verdict).toBe('pass');
  });

  it('does not count the next poll of the same route (a new window in its body) as a repeat, but counts the same body', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const window = (n: number) => ({ endpoint: ENDPOINTS.searchOrders, body: `{"modifiedFrom":"09:00:0${n}"}` });
    j.apiCall({ at: 2, token, ...window(1) });
    j.apiCall({ at: missingRole.start + 1, token, status: 403, denied: 'missing role OrderRead', ...window(2) });
    const nextPoll = j.apiCall({ at: missingRole.start + 2, token, status: 403, denied: 'missing role OrderRead', ...window(3) });
    const line = problem(missingRole.start + 1.1);

    expect(check.judge(observations({ journal: j.entries, logs: [line] })).verdict).toBe('pass');

    // The same body again is the refused request repeated.
    Object.assign(nextPoll, { requestBody: j.entries[2]!.requestBody, bodyFingerprint: j.entries[2]!.bodyFingerprint });
    expect(check.judge(observations({ journal: j.entries, logs: [line] })).verdict).toBe('fail');
  });

  it('does not count other requests, successful or refused, as repeats', () => {
    const { j, token } = roleWithdrawn();
    j.apiCall({ at: missingRole.start + 3, token, endpoint: ENDPOINTS.updateInventory, status: 403, denied: 'missing role InventoryAdmin' });

    const finding = check.judge(observations({ journal: j.entries, logs: [problem(missingRole.start + 1.1)] }));

    expect(finding.verdict).toBe('pass');
  });

  it('does not count a repeat after the phase, when the role is back', () => {
    const { j, token } = roleWithdrawn();
    j.apiCall({ at: missingRole.end + 1, token, endpoint: ENDPOINTS.addOrder });

    expect(check.judge(observations({ journal: j.entries, logs: [problem(missingRole.start + 1.1)] })).verdict).toBe('pass');
  });

  it('is inconclusive when no call was refused with 403', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(4, { from: missingRole.start + 0.5, every: 1, token });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('No call of the integration was refused');
  });

  it('is inconclusive when the missing-role phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"missing-role" phase did not run');
  });

  it('judges a 403 of a token issued without scopes, and explains the colon-named field behind it', () => {
    const j = journal();
    const token = scopedTokenRequest(j, { at: missingRole.start + 0.2, scope: 'read-profiles', withColon: ['scope'] });
    const forbidden = j.apiCall({ at: missingRole.start + 0.5, token, endpoint: SCOPED.listProfiles, status: 403, denied: 'missing scope read-profiles' });
    const line = logLine('ERROR GET /api/v3/profiles answered 403: the token lacks the scope read-profiles. Not retrying.', { at: missingRole.start + 0.6 });

    const finding = check.judge(scopedObservations({ journal: j.entries, logs: [line], apiUser: { roles: ['read-profiles'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'The request that got 403 was not repeated, and the problem was logged. The token request sent the field `scope:` (with a colon, as in an example written `scope: …`), which the token endpoint does not take, so the token was issued without the scopes the calls needed and 1 of 1 call(s) made with it were refused with 403: send `scope` (no colon) with the scopes the integration needs.',
    );
    expect(requestSeqs(finding.evidence)).toEqual([forbidden.seq, token.seq]);
  });

  it('says a new token carries the same scopes, in the platform\'s word', () => {
    const j = journal();
    const token = scopedTokenRequest(j, { at: missingRole.start + 0.2, scope: 'read-profiles update-profiles' });
    j.apiCall({ at: missingRole.start + 0.5, token, endpoint: SCOPED.updateProfile, status: 403, denied: 'missing scope update-profiles' });
    const renewed = scopedTokenRequest(j, { at: missingRole.start + 0.6, scope: 'read-profiles update-profiles' });
    j.apiCall({ at: missingRole.start + 0.7, token: renewed, endpoint: SCOPED.updateProfile, status: 403, denied: 'missing scope update-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('and a new token carries the same scopes)');
    expect(finding.summary).not.toContain('`scope:`');
  });
});
