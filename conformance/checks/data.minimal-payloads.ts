import type { JournalEntry } from '../../mock-server/index.ts';
import { defineCheck, firstOf, inconclusive, isApiCall, requestEvidence, testUsers } from './check.ts';

/**
 * What a call sent that its endpoint does not accept, but a secret in the URL: that is
 * token.not-in-url's finding (a token or key sent as `?access_token=`), not a matter of
 * data minimisation.
 */
function unaccepted(e: JournalEntry): string[] {
  const secretParams = new Set(e.secretsInUrl.flatMap((s) => (s.where === 'query' && s.param ? [`query.${s.param}`.toLowerCase()] : [])));
  return (e.unaccepted ?? []).filter((name) => !secretParams.has(name.toLowerCase()));
}

/** The call sent something besides its path: a body, or query parameters. */
const sendsFields = (e: JournalEntry): boolean => e.bodyFingerprint !== null || Object.keys(e.query).length > 0;

export default defineCheck({
  id: 'data.minimal-payloads',
  title: 'Requests carry no fields the endpoint does not accept',
  section: 'Beyond the Omnium checklist',
  required: false,
  phases: [],
  remediation:
    "Send each endpoint only the fields it accepts (the platform's OpenAPI document lists them, with each request body and query parameter): an id where the endpoint takes an id, not the whole customer or order record. Data the API does not use still travels, is logged and can leak on the way (data minimisation), and a field the endpoint ignores today may be one it reads tomorrow.",
  judge(obs) {
    const calls = obs.journal.filter((e) => e.environment === 'test' && e.apiUser !== null && testUsers(obs).has(e.apiUser) && isApiCall(e));
    if (calls.length === 0) return inconclusive('The integration called no API endpoint, so what its requests carry could not be judged.');
    const withFields = calls.filter(sendsFields);
    if (withFields.length === 0) {
      return inconclusive(
        `None of the integration's ${calls.length} API call(s) carried a body or a query parameter, so there were no fields to judge (a path with an id is all it sent).`,
      );
    }
    // An endpoint without a request schema (`unaccepted: null`) cannot say what it accepts.
    const judged = withFields.filter((e) => e.unaccepted !== null);
    if (judged.length === 0) {
      const routes = new Set(withFields.map((e) => e.routeId));
      return inconclusive(`The platform declares no request schema for the ${routes.size} endpoint(s) called with a body or query parameters, so what they accept is unknown.`);
    }
    const offending = judged.filter((e) => unaccepted(e).length > 0);
    if (offending.length === 0) {
      return { verdict: 'pass', summary: `All ${judged.length} API call(s) with a body or query parameters sent only fields their endpoint accepts.`, evidence: [] };
    }
    const byRoute = new Map<string, { calls: JournalEntry[]; names: Set<string> }>();
    for (const e of offending) {
      const route = byRoute.get(e.routeId!) ?? { calls: [], names: new Set<string>() };
      route.calls.push(e);
      for (const name of unaccepted(e)) route.names.add(name);
      byRoute.set(e.routeId!, route);
    }
    const names = new Set([...byRoute.values()].flatMap((r) => [...r.names]));
    const shown = [...names].slice(0, 5).join(', ') + (names.size > 5 ? ` and ${names.size - 5} more` : '');
    const evidence = [...byRoute].flatMap(([routeId, r]) => {
      const endpoint = obs.endpoints.find((ep) => ep.id === routeId);
      const route = endpoint ? `${endpoint.method} ${endpoint.path}` : routeId;
      return [
        { kind: 'note' as const, text: `${route} (×${r.calls.length}): ${[...r.names].join(', ')}` },
        ...firstOf(r.calls.map((e) => requestEvidence(obs, e, `not accepted: ${unaccepted(e).join(', ')}`)), 3),
      ];
    });
    return {
      verdict: 'fail',
      summary: `${offending.length} of ${judged.length} API call(s) with a body or query parameters sent fields their endpoint does not accept: ${shown}.`,
      evidence,
    };
  },
});
