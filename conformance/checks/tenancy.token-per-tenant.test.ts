import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './tenancy.token-per-tenant.ts';
import { PHASES, TEST_CLIENT, context, journal, monoAt, observations, phaseRecord, requestSeqs } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';

const tenants = PHASES.tenants;
const A = { id: 'tenant-a', clientId: TEST_CLIENT };
const B = { id: 'tenant-b', clientId: 'client-erp-order-export-tenant-b' };
const revokedAt = tenants.start + 1;

/** Both tenants polling with their own tokens, B's tokens revoked at `revokedAt`, then B renews and goes on. */
function servedApart() {
  const j = journal();
  const tokenA = j.tokenRequest({ at: tenants.start + 0.1, tenant: A.id });
  const tokenB = j.tokenRequest({ at: tenants.start + 0.2, tenant: B.id, client: B.clientId });
  for (const at of [0.3, 0.6, 1.3, 1.6]) {
    j.apiCall({ at: tenants.start + at, token: tokenA });
    if (at < 1) j.apiCall({ at: tenants.start + at + 0.05, token: tokenB });
  }
  j.apiCall({ at: revokedAt + 0.2, token: tokenB, status: 401, denied: 'token revoked' });
  const renewed = j.tokenRequest({ at: revokedAt + 0.3, tenant: B.id, client: B.clientId });
  const recovered = j.apiCall({ at: revokedAt + 0.4, token: renewed });
  return { j, tokenA, tokenB, recovered };
}

const tenancy = (revoked: number | null = revokedAt) => ({ tenants: [A, B], revoked: revoked === null ? null : { tenant: B.id, mono: monoAt(revoked) } });

describe('tenancy.token-per-tenant', () => {
  it('passes when every tenant keeps to its own tokens, also after one tenant renewed its revoked ones', () => {
    const { j, recovered } = servedApart();

    const finding = check.judge(observations({ journal: j.entries, tenancy: tenancy() }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'Each of the 2 tenants got only its own tokens (8 requests with a token, none to another tenant); after the tokens of tenant-b were revoked, it went on with a new token of its own 0.4 s later, and the others with theirs after that.',
    );
    expect(requestSeqs(finding.evidence)).toEqual([recovered.seq]);
  });

  it("fails when a renewal after the revocation took another tenant's token, with each such request in the evidence", () => {
    const { j, tokenA } = servedApart();
    // A cache shared by the tenants: after B's 401 it hands B the token A holds.
    const wrong = j.apiCall({ at: revokedAt + 0.5, token: tokenA, tenant: B.id, client: A.clientId, status: 401, denied: 'token signature' });

    const finding = check.judge(observations({ journal: j.entries, tenancy: tenancy() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('1 request(s) carried a token of one tenant to another (tenant-a → tenant-b): the token cache is not kept per tenant.');
    expect(finding.evidence).toEqual([
      expect.objectContaining({ kind: 'request', seq: wrong.seq, status: 401, note: `sent to tenant-b with a token issued by tenant-a (${wrong.tokenMasked})` }),
    ]);
  });

  it("fails on another tenant's token whenever it was sent, even outside the tenants phase", () => {
    const j = journal();
    const tokenA = j.tokenRequest({ at: 2, tenant: A.id });
    j.apiCall({ at: 2.5, token: tokenA, tenant: B.id, status: 401 });

    expect(check.judge(observations({ journal: j.entries, tenancy: tenancy() })).verdict).toBe('fail');
  });

  it('is inconclusive when a tenant made no call that worked (the integration serves the first tenant only)', () => {
    const j = journal();
    const tokenA = j.tokenRequest({ at: tenants.start + 0.1, tenant: A.id });
    j.apiCalls(4, { from: tenants.start + 0.3, every: 0.3, token: tokenA });

    const finding = check.judge(observations({ journal: j.entries, tenancy: tenancy(null) }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^No call that worked came from the API user of tenant-b during the tenants phase/);
  });

  it('is inconclusive when the revoked tenant never made a call that worked again', () => {
    const { j } = servedApart();
    j.entries.pop();

    const finding = check.judge(observations({ journal: j.entries, tenancy: tenancy() }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('After the tokens of tenant-b were revoked, it made no call that worked, so where its new token went could not be observed.');
  });

  it('is inconclusive when another tenant made no call that worked after the revoked one renewed', () => {
    const { j, recovered } = servedApart();
    const entries = j.entries.filter((e) => !(e.apiUser === A.clientId && e.mono > recovered.mono));

    const finding = check.judge(observations({ journal: entries, tenancy: tenancy() }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('After tenant-b renewed its revoked tokens, tenant-a made no call that worked, so whether the renewal left its tokens alone could not be observed.');
  });

  it('is inconclusive when the tenants phase did not run', () => {
    const { j } = servedApart();

    expect(check.judge(observations({ journal: j.entries, phases: [phaseRecord('steady')], tenancy: null })).verdict).toBe('inconclusive');
  });

  it('does not apply to an integration that serves one tenant', () => {
    expect(runCheck(check, observations(), context()).verdict).toBe('not-applicable');
    expect(runCheck(check, observations({ tenancy: tenancy() }), context({ tenants: 2 })).verdict).not.toBe('not-applicable');
  });

  it('explains a tenant whose calls were all refused because its token request sent `scope:` with a colon', () => {
    const j = journal();
    const tokenA = scopedTokenRequest(j, { at: tenants.start + 0.1, tenant: A.id, scope: 'read-profiles' });
    const tokenB = scopedTokenRequest(j, { at: tenants.start + 0.2, tenant: B.id, client: B.clientId, scope: 'read-profiles', withColon: ['scope'] });
    j.apiCalls(3, { from: tenants.start + 0.3, every: 0.5, token: tokenA, endpoint: SCOPED.listProfiles });
    j.apiCalls(3, { from: tenants.start + 0.4, every: 0.5, token: tokenB, endpoint: SCOPED.listProfiles, status: 403, denied: 'missing scope read-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries, tenancy: tenancy() }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toMatch(/^No call that worked came from the API user of tenant-b during the tenants phase: .* could not be observed\. The token request sent the field `scope:` /);
    expect(finding.summary).toContain('and 3 of 3 call(s) made with it were refused with 403: send `scope` (no colon)');
    expect(requestSeqs(finding.evidence)[0]).toBe(tokenB.seq);
  });
});
