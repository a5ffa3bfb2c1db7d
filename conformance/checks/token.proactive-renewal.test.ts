import { describe, expect, it } from 'vitest';
import check from './token.proactive-renewal.ts';
import { PHASES, expiresAt, journal, observations, phaseRecord, requestSeqs } from './test/journal.ts';

const revoked = PHASES['revoked-token'];
const short = PHASES['short-lived-tokens'];
const lifetime = short.params.tokenLifetimeSeconds!;

/** The steady phase's 10-day token, revoked when the revoked-token phase starts, and the 401 that follows. */
function afterRevocation() {
  const j = journal();
  const old = j.tokenRequest({ at: 1 });
  j.apiCalls(9, { from: 2, every: 1, token: old });
  j.apiCall({ at: revoked.start + 0.5, token: old, status: 401 });
  const first = j.tokenRequest({ at: revoked.start + 0.6, lifetimeSeconds: lifetime });
  return { j, first };
}

describe('token.proactive-renewal', () => {
  it('passes when each short-lived token is replaced at 80 % of its lifetime', () => {
    const { j, first } = afterRevocation();
    const renewals = [];
    let token = first;
    for (let at = revoked.start + 1; at < short.end; at += 1) {
      if (expiresAt(token) - at <= lifetime * 0.2) {
        token = j.tokenRequest({ at, lifetimeSeconds: lifetime });
        renewals.push(token);
      }
      j.apiCall({ at: at + 0.1, token });
    }

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(finding.summary).toContain(`${renewals.length} token renewal(s) before expiry with ${lifetime}-second tokens`);
    expect(requestSeqs(finding.evidence)).toEqual(renewals.slice(0, 3).map((e) => e.seq));
  });

  it('fails when requests arrive with an expired token', () => {
    const { j, first } = afterRevocation();
    const exp = expiresAt(first);
    j.apiCalls(14, { from: revoked.start + 1, every: 1, token: first });
    // The integration waits for the 401 before renewing: two calls hit the expired token.
    const expired = j.apiCalls(2, { from: exp + 0.2, every: 0.3, token: first, expired: true });
    const renewed = j.tokenRequest({ at: exp + 1, lifetimeSeconds: lifetime });
    j.apiCalls(5, { from: exp + 1.1, every: 1, token: renewed });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(`2 request(s) arrived with an expired token during the short-lived-token phase (tokens lived ${lifetime} s).`);
    expect(requestSeqs(finding.evidence)).toEqual(expired.map((e) => e.seq));
  });

  it('does not count a renewal made exactly at exp as made before exp', () => {
    const j = journal();
    const first = j.tokenRequest({ at: revoked.start + 1, lifetimeSeconds: lifetime });
    j.apiCalls(lifetime, { from: revoked.start + 1.5, every: 1, token: first });
    const atExp = j.tokenRequest({ at: expiresAt(first), lifetimeSeconds: lifetime });
    expect(Date.parse(atExp.time) / 1000).toBe(first.issued!.exp);
    const after = j.apiCalls(5, { from: expiresAt(first) + 0.1, every: 1, token: atExp });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('never renewed it ahead of expiry');
    expect(requestSeqs(finding.evidence)).toEqual(after.slice(0, 3).map((e) => e.seq));
  });

  it('counts a renewal a millisecond before exp', () => {
    const j = journal();
    const first = j.tokenRequest({ at: revoked.start + 1, lifetimeSeconds: lifetime });
    j.apiCalls(lifetime, { from: revoked.start + 1.5, every: 1, token: first });
    const renewal = j.tokenRequest({ at: expiresAt(first) - 0.001, lifetimeSeconds: lifetime });
    j.apiCalls(5, { from: expiresAt(first) + 0.1, every: 1, token: renewal });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('pass');
    expect(requestSeqs(finding.evidence)).toEqual([renewal.seq]);
  });

  it('fails when the integration fetches a new token only after the old one expired, without ever presenting it', () => {
    const j = journal();
    let token = j.tokenRequest({ at: revoked.start + 1, lifetimeSeconds: lifetime });
    for (let at = revoked.start + 1.5; at < short.end; at += 2) {
      // It checks the expiry before each call, but only renews once the token is already dead.
      if (at >= expiresAt(token)) token = j.tokenRequest({ at, lifetimeSeconds: lifetime });
      j.apiCall({ at: at + 0.1, token });
    }

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('never renewed it ahead of expiry');
  });

  it('leaves a token per call to token.cached-and-reused: no expired token, every renewal early', () => {
    const j = journal();
    for (let at = revoked.start + 1; at < short.end; at += 2) j.apiCall({ at: at + 0.1, token: j.tokenRequest({ at, lifetimeSeconds: lifetime }) });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('is inconclusive when no call came after the first short-lived token expired', () => {
    const { j, first } = afterRevocation();
    j.apiCalls(5, { from: revoked.start + 1, every: 1, token: first });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain(`No API call came after the first short-lived token (${lifetime} s) had expired`);
  });

  it('is inconclusive when the short-lived-tokens phase did not run', () => {
    const finding = check.judge(observations({ phases: [phaseRecord('steady'), phaseRecord('revoked-token')] }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"short-lived-tokens" phase did not run');
  });

  it('is inconclusive when the short-lived-tokens phase ended early', () => {
    const { j, first } = afterRevocation();
    j.apiCalls(5, { from: revoked.start + 1, every: 1, token: first });
    const phases = [phaseRecord('steady'), phaseRecord('revoked-token'), phaseRecord('short-lived-tokens', { end: short.start + 2, completed: false })];

    const finding = check.judge(observations({ journal: j.entries, phases }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toContain('"short-lived-tokens" phase ended early');
  });
});
