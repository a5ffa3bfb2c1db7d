import { defineCheck, firstOf, inconclusive, isApiCall, requestEvidence } from './check.ts';

/**
 * Security-tests.md case 89 (OWASP API9, improper inventory management): an integration calls the
 * endpoints the platform maintains, not the ones it has deprecated. The mock's endpoint table
 * says which are deprecated and what replaces each. Advisory: a deprecated endpoint still answers.
 */
export default defineCheck({
  id: 'data.no-deprecated-endpoints',
  title: 'No call goes to an endpoint the platform has deprecated',
  section: 'Beyond the Omnium checklist',
  required: false,
  phases: [],
  remediation:
    "Call the endpoint the platform documents in place of the deprecated one (each finding names it). A deprecated endpoint is kept for old clients only: it gets no fixes, its behaviour may drift from the current one's, and it is removed without the notice a current endpoint's change would get (OWASP API9, improper inventory management).",
  judge(obs) {
    const replacements = new Map(obs.endpoints.filter((e) => e.deprecated).map((e) => [e.id, e.deprecated!]));
    if (replacements.size === 0) return { verdict: 'not-applicable', summary: 'The platform documents no deprecated endpoint.', evidence: [] };
    const calls = obs.journal.filter(isApiCall);
    if (calls.length === 0) return inconclusive('The integration called no API endpoint, so which endpoints it uses could not be judged.');
    const deprecated = calls.filter((e) => e.routeId !== null && replacements.has(e.routeId));
    if (deprecated.length === 0) {
      const routes = new Set(calls.map((e) => e.routeId).filter((r) => r !== null));
      return { verdict: 'pass', summary: `${calls.length} API call(s) to ${routes.size} endpoint(s), none of them deprecated.`, evidence: [] };
    }
    const byRoute = new Map<string, typeof deprecated>();
    for (const e of deprecated) byRoute.set(e.routeId!, [...(byRoute.get(e.routeId!) ?? []), e]);
    const named = [...byRoute].map(([id, list]) => {
      const endpoint = obs.endpoints.find((x) => x.id === id)!;
      return `${endpoint.method} ${endpoint.path} (${list.length} call(s); use ${replacements.get(id)})`;
    });
    return {
      verdict: 'fail',
      summary: `${deprecated.length} of ${calls.length} API call(s) went to ${byRoute.size} deprecated endpoint(s): ${named.join(', ')}.`,
      evidence: firstOf(
        [...byRoute].map(([id, list]) => requestEvidence(obs, list[0]!, `deprecated: use ${replacements.get(id)}${list.length > 1 ? ` (${list.length} calls)` : ''}`)),
        10,
      ),
    };
  },
});
