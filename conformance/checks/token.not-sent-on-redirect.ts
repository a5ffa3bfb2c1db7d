import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive, requestEvidence, secondsAt } from './check.ts';
import type { ForeignRequest, Observations } from './observations.ts';

/** The API calls the mock answered with a redirect (fault `redirect 302` / `redirect 307`). */
const redirectedCalls = (obs: Observations) => obs.journal.filter((e) => e.fault !== null && e.fault.kind.startsWith('redirect '));

/** What a request to the foreign host carried, in words, every value masked: `authorization: Bearer eyJh…Q2x8 (token)`. */
function carried(r: ForeignRequest): string {
  const inHeader = (c: ForeignRequest['credentials'][number], name: string) => c.where === 'header' && c.name === name;
  const parts = r.headers.map((h) => {
    const kinds = [...new Set(r.credentials.filter((c) => inHeader(c, h.name)).map((c) => c.kind))];
    return `${h.name}: ${h.masked}${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}`;
  });
  for (const c of r.credentials) {
    if (!r.headers.some((h) => inHeader(c, h.name))) parts.push(`${c.kind} ${c.masked} in the ${c.where === 'header' ? `${c.name} header` : c.where}`);
  }
  return parts.join('; ');
}

export default defineCheck({
  id: 'token.not-sent-on-redirect',
  title: 'A redirect to another host gets no credentials',
  section: 'Token handling',
  required: false,
  phases: ['malformed-responses'],
  remediation:
    "Do not follow redirects from the API (fetch `redirect: 'error'` or `'manual'`, requests `allow_redirects=False`, no CURLOPT_FOLLOWLOCATION): the API has no reason to send you elsewhere. If you must follow them, let the HTTP client do it (it drops the Authorization header when the host, port or scheme changes), and never copy the Authorization header, the token or the client secret by hand onto a request to another origin.",
  judge(obs) {
    const redirected = redirectedCalls(obs);
    if (redirected.length === 0) {
      return { verdict: 'not-applicable', summary: 'No API call was answered with a redirect (the integration made none while golive was ready to redirect one), so there was nothing to follow.', evidence: [] };
    }
    const host = obs.foreignHost;
    if (!host) return inconclusive('An API call was redirected, but golive kept no record of what the other host received.');
    const evidence: Evidence[] = redirected.map((e) => requestEvidence(obs, e, `answered ${e.status}: redirected to ${host.origin}`));
    const leaks = host.requests.filter((r) => r.headers.length > 0 || r.credentials.length > 0);
    if (leaks.length > 0) {
      const what = [...new Set(leaks.flatMap((r) => [...r.headers.map((h) => `the ${h.name} header`), ...r.credentials.map((c) => `a ${c.kind}`)]))].join(', ');
      evidence.push(
        ...firstOf(leaks.map((r): Evidence => ({ kind: 'note', text: `${secondsAt(obs, r.mono)} s: ${r.method} ${host.origin}${r.path} carried ${carried(r)}` })), 6),
      );
      return {
        verdict: 'fail',
        summary: `The integration followed a redirect to another origin (${host.origin}) and sent it ${what} in ${leaks.length} of ${host.requests.length} request(s) there: whoever answers a redirect's target gets the credentials.`,
        evidence,
      };
    }
    if (host.requests.length > 0) {
      evidence.push(...firstOf(host.requests.map((r): Evidence => ({ kind: 'note', text: `${secondsAt(obs, r.mono)} s: ${r.method} ${host.origin}${r.path}, without credentials` })), 3));
      return {
        verdict: 'pass',
        summary: `The integration followed ${redirected.length} redirect(s) to another origin (${host.origin}) without the Authorization header or any credential (${host.requests.length} request(s) there).`,
        evidence,
      };
    }
    return {
      verdict: 'pass',
      summary: `The integration did not follow ${redirected.length === 1 ? 'the redirect' : `the ${redirected.length} redirects`} to another origin (${host.origin}): nothing reached it.`,
      evidence,
    };
  },
});
