import type { Evidence } from '../../reports/model.ts';
import type { BrowserSighting } from '../observe/browser.ts';
import { defineCheck, firstOf, inconclusive } from './check.ts';

/** `token eyJh…Q2x8 (in full) in localStorage api`: one place a secret was seen, masked. */
function sightingNote(s: BrowserSighting): Evidence {
  return { kind: 'note', text: `${s.kind} ${s.masked} ${s.how === 'full' ? '(in full)' : `(${s.how})`} in ${s.where} of ${s.url}` };
}

export default defineCheck({
  id: 'token.not-in-browser',
  title: 'No token or secret of the API user reaches a browser',
  section: 'Token handling',
  required: true,
  phases: ['frontend'],
  appliesTo: ({ config }) => (config.frontend?.urls.length ? true : 'No front-end page is configured (config frontend.urls), so there is no browser to inspect.'),
  remediation:
    'Keep tokens and client secrets on the server: the page calls your own backend, which calls the API server-to-server with the token. Never render a token into HTML or scripts, set it in a cookie, or keep it in localStorage, sessionStorage or IndexedDB.',
  judge(obs) {
    const b = obs.browser;
    if (!b) return inconclusive('The front-end phase did not run (the integration stopped before it), so no page was inspected.');
    if (!b.browser) return inconclusive(`No page could be inspected: ${b.problem ?? 'no browser'}.`);
    const used: Evidence = { kind: 'note', text: `browser: Chromium ${b.browser.version} (${b.browser.how})` };
    const pages = b.pages.map((p): Evidence => ({ kind: 'note', text: `${p.url}: ${p.status ?? p.error ?? 'not loaded'}, ${p.requests} request(s)` }));
    if (b.sightings.length > 0) {
      const places = [...new Set(b.sightings.map((s) => s.where.split(' (')[0]!))];
      const kinds = [...new Set(b.sightings.map((s) => s.kind))];
      return {
        verdict: 'fail',
        summary: `The ${kinds.join(' and ')} reached the browser: ${b.sightings.length} sighting(s), in ${places.slice(0, 6).join(', ')}${places.length > 6 ? '…' : ''}.`,
        evidence: [...firstOf(b.sightings.map(sightingNote), 12), used, ...pages],
      };
    }
    const loaded = b.pages.filter((p) => p.status !== null && p.status < 400);
    if (loaded.length < b.pages.length) {
      const failed = b.pages.filter((p) => !loaded.includes(p)).map((p) => `${p.url} (${p.status ?? p.error})`);
      return inconclusive(`Not every front-end page loaded, so what it holds is unknown: ${failed.join('; ')}.`, [used, ...pages]);
    }
    const requests = b.pages.reduce((n, p) => n + p.requests, 0);
    return {
      verdict: 'pass',
      summary: `No token or secret in ${b.pages.length} page(s): their DOM, ${requests} request(s) and their responses, cookies, localStorage, sessionStorage and IndexedDB.`,
      evidence: [used, ...pages],
    };
  },
});
