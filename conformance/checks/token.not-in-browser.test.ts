import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import type { BrowserObservations } from '../observe/browser.ts';
import { checkContext, runCheck } from './check.ts';
import check from './token.not-in-browser.ts';
import { ENDPOINTS, context, observations } from './test/journal.ts';

const PAGE = 'https://127.0.0.1:4433/shop';

function seen(partial: Partial<BrowserObservations> = {}): BrowserObservations {
  return { browser: { how: 'chromium on the PATH', version: '156.0.8078.114' }, pages: [{ url: PAGE, status: 200, requests: 3 }], sightings: [], ...partial };
}

/** A context whose config has front-end pages. */
function withFrontend() {
  const base = context();
  const config = { ...base.config, frontend: configSchema.parse({ frontend: { urls: [PAGE] } }).frontend };
  return checkContext(config, { endpoints: Object.values(ENDPOINTS), scoped: true });
}

describe('token.not-in-browser', () => {
  it('passes when no page holds a secret, saying what was inspected and with which browser', () => {
    const finding = check.judge(observations({ browser: seen() }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('No token or secret in 1 page(s): their DOM, 3 request(s) and their responses, cookies, localStorage, sessionStorage and IndexedDB.');
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'browser: Chromium 156.0.8078.114 (chromium on the PATH)' });
  });

  it('fails on any sighting, naming the secret masked and where it was', () => {
    const finding = check.judge(
      observations({
        browser: seen({
          sightings: [
            { kind: 'token', masked: 'eyJh…Q2x8', how: 'full', where: 'localStorage api', url: PAGE },
            { kind: 'token', masked: 'eyJh…Q2x8', how: 'full', where: 'request header authorization', url: 'https://127.0.0.1:8443/api/Orders' },
            { kind: 'client-secret', masked: 'sec_…b1a0', how: 'base64', where: 'cookie session', url: PAGE },
          ],
        }),
      }),
    );
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('The token and client-secret reached the browser: 3 sighting(s), in localStorage api, request header authorization, cookie session.');
    expect(finding.evidence[0]).toEqual({ kind: 'note', text: `token eyJh…Q2x8 (in full) in localStorage api of ${PAGE}` });
    expect(finding.evidence[2]).toEqual({ kind: 'note', text: `client-secret sec_…b1a0 (base64) in cookie session of ${PAGE}` });
  });

  it('is inconclusive, never a pass, when there is no browser, and says how to get one', () => {
    const finding = check.judge(observations({ browser: { browser: null, problem: 'no Chromium or Chrome was found: install Chromium…', pages: [], sightings: [] } }));
    expect(finding).toMatchObject({ verdict: 'inconclusive', summary: 'No page could be inspected: no Chromium or Chrome was found: install Chromium….' });
  });

  it('is inconclusive when a page did not load, and when the phase never ran', () => {
    const down = check.judge(observations({ browser: seen({ pages: [{ url: PAGE, status: null, error: 'net::ERR_CONNECTION_REFUSED at x', requests: 1 }] }) }));
    expect(down).toMatchObject({ verdict: 'inconclusive', summary: expect.stringContaining(`${PAGE} (net::ERR_CONNECTION_REFUSED at x)`) });
    expect(check.judge(observations({ browser: null })).verdict).toBe('inconclusive');
  });

  it('applies only when front-end pages are configured', () => {
    expect(runCheck(check, observations({ browser: seen() }), context())).toMatchObject({ verdict: 'not-applicable', summary: expect.stringContaining('frontend.urls') });
    expect(runCheck(check, observations({ browser: seen() }), withFrontend()).verdict).toBe('pass');
  });
});
