import type { JournalEntry } from '../../mock-server/index.ts';
import { defineCheck, firstOf, inconclusive, isApiCall, phase, phaseMissing, requestEvidence } from './check.ts';
import type { Observations, TenantClient } from './observations.ts';
import { refusalsExplained } from './token-traffic.ts';

/** A request that carried a token issued by another tenant than the one it was sent to. */
const crossed = (e: JournalEntry): boolean => e.tokenIssuedBy !== null && e.tokenIssuedBy.tenant !== e.tenant;

/** A call of `tenant`'s own API user, at its own tenant, that worked. */
const workedFor = (tenant: TenantClient, e: JournalEntry): boolean =>
  e.tenant === tenant.id && e.apiUser === tenant.clientId && isApiCall(e) && e.status > 0 && e.status < 400;

/**
 * `summary`, and why the calls of `clients` from `from` on were refused, when a token request's
 * misspelled field (`scope:`) left their tokens without what the calls needed.
 */
function noCallWorked(obs: Observations, summary: string, clients: readonly TenantClient[], from: number, to = Number.POSITIVE_INFINITY) {
  const ids = new Set(clients.map((t) => t.clientId));
  const cause = refusalsExplained(obs, obs.journal.filter((e) => e.mono >= from && e.mono <= to && e.apiUser !== null && ids.has(e.apiUser) && isApiCall(e)));
  return cause ? inconclusive(`${summary} ${cause.text}`, cause.evidence) : inconclusive(summary);
}

export default defineCheck({
  id: 'tenancy.token-per-tenant',
  title: "Tokens are cached per tenant: one tenant's token is never sent to another",
  section: 'Beyond the Omnium checklist',
  required: true,
  phases: ['tenants'],
  remediation:
    "Keep one token cache per tenant, keyed by the tenant (its API URL and client id), never one shared by all: look up, renew and replace a tenant's token only in its own entry, also when a renewal after a 401 finds the token \"already replaced\". A token sent to the wrong tenant is refused, and it hands that tenant a credential of another.",
  appliesTo: ({ config, facts }) =>
    config.tenants < 2
      ? 'The integration serves one tenant (config tenants: 1), so there is no other tenant to send its token to.'
      : facts.issuesTokens || 'The platform takes its credential on every request and issues no tokens, so there is no token cache to key by tenant.',
  judge(obs) {
    // Whenever it happened: any request with another tenant's token is the failure.
    const wrong = obs.journal.filter(crossed);
    if (wrong.length > 0) {
      const pairs = [...new Set(wrong.map((e) => `${e.tokenIssuedBy!.tenant} → ${e.tenant}`))];
      return {
        verdict: 'fail',
        summary: `${wrong.length} request(s) carried a token of one tenant to another (${pairs.join(', ')}): the token cache is not kept per tenant.`,
        evidence: firstOf(
          wrong.map((e) => requestEvidence(obs, e, `sent to ${e.tenant} with a token issued by ${e.tokenIssuedBy!.tenant}${e.tokenMasked ? ` (${e.tokenMasked})` : ''}`)),
        ),
      };
    }
    const p = phase(obs, 'tenants');
    const tenancy = obs.tenancy;
    if (!p || !tenancy) return phaseMissing('tenants', p);
    const silent = tenancy.tenants.filter((t) => !obs.journal.some((e) => e.mono >= p.startMono && e.mono <= p.endMono && workedFor(t, e)));
    if (silent.length > 0) {
      return noCallWorked(
        obs,
        `No call that worked came from the API user of ${silent.map((t) => t.id).join(', ')} during the tenants phase: the integration was given every tenant (the tenants variable lists them) but did not serve ${silent.length === 1 ? 'it' : 'them'}, so whether tokens stay with their tenant could not be observed.`,
        silent,
        p.startMono,
        p.endMono,
      );
    }
    const revoked = tenancy.revoked;
    if (!revoked) return inconclusive('The tenants phase ended before a tenant\'s tokens were revoked, so the renewal that shows a wrongly keyed cache could not be observed.');
    const revokedTenant = tenancy.tenants.find((t) => t.id === revoked.tenant)!;
    const recovered = obs.journal.find((e) => e.mono >= revoked.mono && workedFor(revokedTenant, e));
    if (!recovered) {
      return noCallWorked(obs, `After the tokens of ${revoked.tenant} were revoked, it made no call that worked, so where its new token went could not be observed.`, [revokedTenant], revoked.mono);
    }
    // A renewal that stomps on another tenant's cache shows at that tenant's next call.
    const late = tenancy.tenants.filter((t) => t !== revokedTenant && !obs.journal.some((e) => e.mono >= recovered.mono && workedFor(t, e)));
    if (late.length > 0) {
      return noCallWorked(
        obs,
        `After ${revoked.tenant} renewed its revoked tokens, ${late.map((t) => t.id).join(', ')} made no call that worked, so whether the renewal left ${late.length === 1 ? 'its' : 'their'} tokens alone could not be observed.`,
        late,
        recovered.mono,
      );
    }
    const presented = obs.journal.filter((e) => e.tokenIssuedBy !== null).length;
    return {
      verdict: 'pass',
      summary: `Each of the ${tenancy.tenants.length} tenants got only its own tokens (${presented} requests with a token, none to another tenant); after the tokens of ${revoked.tenant} were revoked, it went on with a new token of its own ${Math.round((recovered.mono - revoked.mono) / 10) / 100} s later, and the others with theirs after that.`,
      evidence: [requestEvidence(obs, recovered, `first call of ${revoked.tenant} that worked after its tokens were revoked`)],
    };
  },
});
