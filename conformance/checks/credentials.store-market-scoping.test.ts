import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './credentials.store-market-scoping.ts';
import { PRODUCTION_CLIENT, context, journal, observations } from './test/journal.ts';

/** An integration that reads the orders of the Oslo store (market NOR) only. */
function osloOnly() {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(4, { from: 2, every: 1, token, touched: { stores: ['store-oslo'], markets: ['NOR'] } });
  return j;
}

describe('credentials.store-market-scoping', () => {
  it('passes when the API user is scoped to the stores and markets it works with', () => {
    const finding = check.judge(observations({ journal: osloOnly().entries, apiUser: { stores: ['store-oslo'], markets: ['NOR'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toEqual([
      { kind: 'note', text: 'stores touched: store-oslo' },
      { kind: 'note', text: 'markets touched: NOR' },
    ]);
  });

  it('passes access to all stores and markets when the integration used all of them', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, touched: { stores: ['store-oslo', 'store-bergen'], markets: ['NOR', 'SWE'] } });
    j.apiCall({ at: 3, token, touched: { stores: ['store-stockholm', 'store-trondheim'], markets: ['DNK'] } });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('warns, as an advisory check, when AllStores and AllMarkets serve an integration that used one of each', () => {
    const result = runCheck(check, observations({ journal: osloOnly().entries, apiUser: { stores: '*', markets: '*' } }), context());

    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe(
      'The API user has access to all stores and markets but used few: stores: it touched 1 of 4 (store-oslo); markets: it touched 1 of 3 (NOR).',
    );
    expect(result.remediation).toContain('AllStores / AllMarkets');
  });

  it('advises only on the list that is unscoped', () => {
    const finding = check.judge(observations({ journal: osloOnly().entries, apiUser: { stores: ['store-oslo'], markets: '*' } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The API user has access to all markets but used few: markets: it touched 1 of 3 (NOR).');
  });

  it('judges only what the test run of this API user touched', () => {
    const j = osloOnly();
    const prod = j.tokenRequest({ at: 2, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCall({ at: 3, token: prod, touched: { stores: ['store-bergen'], markets: ['SWE'] } });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.summary).toContain('stores: it touched 1 of 4 (store-oslo)');
  });

  it('is inconclusive when the integration touched nothing that belongs to a store or market', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('inconclusive');
    expect(result.summary).toContain('read or wrote nothing that belongs to a store or market');
  });
});
