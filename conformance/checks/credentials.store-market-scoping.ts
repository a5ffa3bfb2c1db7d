import { defineCheck, inconclusive, testUsers } from './check.ts';

export default defineCheck({
  id: 'credentials.store-market-scoping',
  title: 'The API user is scoped to the stores and markets it works with',
  section: 'Credentials',
  required: false,
  phases: ['webhooks'],
  appliesTo: ({ facts }) => facts.scoped || 'The platform does not scope API users to stores and markets.',
  remediation:
    'Scope the API user to the stores and markets it actually works with (store- and market-specific roles) instead of AllStores / AllMarkets, so a leaked secret exposes as little as possible (config apiUser.stores / apiUser.markets).',
  judge(obs) {
    const touchedStores = new Set<string>();
    const ours = testUsers(obs);
    const touchedMarkets = new Set<string>();
    for (const e of obs.journal) {
      if (e.environment !== 'test' || e.apiUser === null || !ours.has(e.apiUser) || !e.touched) continue;
      for (const s of e.touched.stores) touchedStores.add(s);
      for (const m of e.touched.markets) touchedMarkets.add(m);
    }
    if (touchedStores.size + touchedMarkets.size === 0) {
      return inconclusive('The integration read or wrote nothing that belongs to a store or market, so its scope could not be judged.');
    }
    const advice: string[] = [];
    if (obs.apiUser.stores === '*' && touchedStores.size > 0 && touchedStores.size < obs.universe.stores.length) {
      advice.push(`stores: it touched ${touchedStores.size} of ${obs.universe.stores.length} (${[...touchedStores].sort().slice(0, 8).join(', ')})`);
    }
    if (obs.apiUser.markets === '*' && touchedMarkets.size > 0 && touchedMarkets.size < obs.universe.markets.length) {
      advice.push(`markets: it touched ${touchedMarkets.size} of ${obs.universe.markets.length} (${[...touchedMarkets].sort().join(', ')})`);
    }
    const evidence = [
      { kind: 'note' as const, text: `stores touched: ${[...touchedStores].sort().join(', ') || '(none)'}` },
      { kind: 'note' as const, text: `markets touched: ${[...touchedMarkets].sort().join(', ') || '(none)'}` },
    ];
    if (advice.length === 0) {
      return { verdict: 'pass', summary: 'The API user is scoped to explicit stores and markets, or uses all of them.', evidence };
    }
    return { verdict: 'fail', summary: `The API user has access to all ${advice.map((a) => a.split(':')[0]).join(' and ')} but used few: ${advice.join('; ')}.`, evidence };
  },
});
