import { describe, expect, it } from 'vitest';
import check from './rotation.survives-secret-rotation.ts';
import { PHASES, ROTATED_CLIENT, journal, logLine, metric, observations, phaseRecord, requestSeqs } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';

const rotation = PHASES['secret-rotation'];
const windowSeconds = rotation.params.observeWindowMs! / 1000;

/** A fresh instance working with the old credentials; the first call after the rotation is refused. */
function rotatedMidRun() {
  const j = journal();
  const old = j.tokenRequest({ at: rotation.start - 1 });
  j.apiCall({ at: rotation.start - 0.5, token: old });
  const refused = j.apiCall({ at: rotation.start + 0.5, token: old, status: 401, denied: 'deactivated' });
  return { j, old, refused };
}

const alert = (at: number) => logLine('ERROR API user rejected (401 after renewal): check that the API user is active and its secret is current', { at, stream: 'stderr' });

describe('rotation.survives-secret-rotation', () => {
  it('passes when the integration re-reads its credentials after the refusal and goes on as the new API user', () => {
    const { j, refused } = rotatedMidRun();
    j.tokenRequest({ at: rotation.start + 0.6, status: 401 });
    const fresh = j.tokenRequest({ at: rotation.start + 0.7, client: ROTATED_CLIENT });
    const retried = j.apiCall({ at: rotation.start + 0.8, token: fresh });

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('INFO credentials refused; the files hold new ones: using them', { at: rotation.start + 0.65 })] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('It recovered without a restart: 2 refused request(s) with the old credentials, then its calls succeeded as the new API user, 0.8 s after the rotation.');
    expect(requestSeqs(finding.evidence)).toEqual([refused.seq, retried.seq]);
  });

  it('passes when it picked the new credentials up before the old ones were ever refused', () => {
    const j = journal();
    const fresh = j.tokenRequest({ at: rotation.start + 0.2, client: ROTATED_CLIENT });
    j.apiCall({ at: rotation.start + 0.3, token: fresh });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'refused token requests')).toBe(0);
  });

  it('passes when it stops after one refused renewal and logs an error', () => {
    const { j } = rotatedMidRun();
    j.tokenRequest({ at: rotation.start + 0.6, status: 401 });
    const line = alert(rotation.start + 0.7);

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('polling orders', { at: 3 }), line] }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('It did not pick up the new credentials, but stopped after 2 refused request(s) and logged an error.');
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'log', stream: 'stderr', text: line.text }));
  });

  it('passes when it exits after logging, ending the phase early', () => {
    const { j } = rotatedMidRun();
    j.tokenRequest({ at: rotation.start + 0.6, status: 401 });
    const phases = [phaseRecord('steady'), phaseRecord('deactivated-user'), phaseRecord('secret-rotation', { end: rotation.start + 1, completed: false })];

    const finding = check.judge(observations({ journal: j.entries, phases, logs: [alert(rotation.start + 0.7)] }));

    expect(finding.verdict).toBe('pass');
  });

  it('fails when it keeps requesting tokens with the old credentials', () => {
    const { j, old, refused } = rotatedMidRun();
    const loop = [];
    for (let i = 0; i < 10; i++) loop.push(j.tokenRequest({ at: rotation.start + 1 + i * 0.2, status: 401 }));
    j.apiCall({ at: rotation.start + 3.1, token: old, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [alert(rotation.start + 1)] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      `After the secret was rotated the integration kept trying the old credentials: 10 refused token requests and 2 refused API calls within ${windowSeconds} s (at most 3 each).`,
    );
    expect(metric(finding.evidence, 'refused token requests')).toBe(10);
    expect(requestSeqs(finding.evidence)).toEqual([refused.seq, ...loop.slice(0, 5).map((e) => e.seq)]);
  });

  it('fails a loop with the old credentials even when the new ones are used at last', () => {
    const { j } = rotatedMidRun();
    for (let i = 1; i <= 5; i++) j.tokenRequest({ at: rotation.start + 0.5 + i * 0.2, status: 401 });
    const fresh = j.tokenRequest({ at: rotation.start + 2, client: ROTATED_CLIENT });
    j.apiCall({ at: rotation.start + 2.1, token: fresh });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('5 refused token requests and 1 refused API calls');
    expect(finding.summary).toContain('before or beside its calls as the new API user');
  });

  it('fails when it carries on silently: refused requests, no new credentials and no error line', () => {
    const { j, old } = rotatedMidRun();
    j.apiCall({ at: rotation.start + 2.5, token: old, status: 401 });

    const finding = check.judge(observations({ journal: j.entries, logs: [logLine('fetched 0 orders', { at: rotation.start + 0.6 })] }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('carried on silently');
  });

  it('does not accept an error line printed before the refusal, or by another run', () => {
    const { j } = rotatedMidRun();
    const logs = [alert(rotation.start), { ...alert(rotation.start + 1), run: 'production' as const }];

    expect(check.judge(observations({ journal: j.entries, logs })).verdict).toBe('fail');
  });

  it('does not count refusals of the old credentials after the observation window', () => {
    const { j } = rotatedMidRun();
    for (let i = 1; i <= 4; i++) j.tokenRequest({ at: rotation.start + 0.5 + windowSeconds + i * 0.1, status: 401 });
    const phases = [phaseRecord('steady'), phaseRecord('secret-rotation', { end: rotation.start + windowSeconds + 2 })];

    const finding = check.judge(observations({ journal: j.entries, phases, logs: [alert(rotation.start + 0.6)] }));

    expect(finding.verdict).toBe('pass');
    expect(metric(finding.evidence, 'refused token requests')).toBe(0);
  });

  it('is inconclusive when no request was made after the rotation', () => {
    const j = journal();
    const old = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token: old });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('No request was made after the secret was rotated');
  });

  it('is inconclusive when the secret-rotation phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"secret-rotation" phase did not run');
  });

  it('is inconclusive when its calls as the new API user were refused because the token request sent `scope:` with a colon', () => {
    const j = journal();
    const old = scopedTokenRequest(j, { at: rotation.start - 1, scope: 'read-profiles' });
    j.apiCall({ at: rotation.start - 0.5, token: old, endpoint: SCOPED.listProfiles });
    j.apiCall({ at: rotation.start + 0.5, token: old, endpoint: SCOPED.listProfiles, status: 401, denied: 'deactivated' });
    const fresh = scopedTokenRequest(j, { at: rotation.start + 0.7, client: ROTATED_CLIENT, scope: 'read-profiles', withColon: ['scope'] });
    j.apiCalls(2, { from: rotation.start + 0.8, every: 1, token: fresh, endpoint: SCOPED.listProfiles, status: 403, denied: 'missing scope read-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(
      /^After the secret was rotated the integration called as the new API user, but none of those calls worked, so whether it recovered could not be seen\. The token request sent the field `scope:` .* and 2 of 2 call\(s\) made with it were refused with 403: send `scope` \(no colon\) with the scopes the integration needs\.$/,
    );
    expect(requestSeqs(finding.evidence)).toContain(fresh.seq);
  });
});
