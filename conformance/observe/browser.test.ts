import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FoundBrowser, findBrowser, inspectPages } from './browser.ts';
import { freePort } from '../test/harness.ts';
import { createSecretScanner } from './secrets.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtZXJwIiwianRpIjoiYWJjZGVmMTIzNDU2In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NQ';
const SECRET = 'sec_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

/** A storefront that leaks in every place a browser keeps things, and one that leaks nothing. */
function pages(): Server {
  return createServer((req, res) => {
    if (req.url === '/leaky') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `session=${encodeURIComponent(SECRET)}; Path=/` });
      res.end(`<!doctype html><p>shop</p><script src="/app.js"></script>
<script>
localStorage.setItem('api', ${JSON.stringify(TOKEN)});
sessionStorage.setItem('b64', btoa(${JSON.stringify(SECRET)}));
const open = indexedDB.open('shop', 1);
open.onupgradeneeded = () => open.result.createObjectStore('auth');
open.onsuccess = () => { const tx = open.result.transaction('auth', 'readwrite'); tx.objectStore('auth').put({ t: ${JSON.stringify(TOKEN)} }, 'k'); };
fetch('/api/orders?access_token=' + ${JSON.stringify(TOKEN)}, { headers: { authorization: 'Bearer ' + ${JSON.stringify(TOKEN)} } });
</script>`);
      return;
    }
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(`window.CLIENT_SECRET = '${SECRET}';`);
      return;
    }
    if (req.url?.startsWith('/api/orders')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"orders":[]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><p>clean shop</p><script>fetch("/api/orders")</script>');
  });
}

describe('findBrowser', () => {
  it('takes GOLIVE_BROWSER when it is an executable, and names it when it is not', async () => {
    expect(await findBrowser({ GOLIVE_BROWSER: '/bin/sh', PATH: '' })).toEqual({ path: '/bin/sh', how: 'GOLIVE_BROWSER' });
    expect(await findBrowser({ GOLIVE_BROWSER: '/nowhere/chrome', PATH: '' })).toEqual({ problem: 'GOLIVE_BROWSER=/nowhere/chrome is not an executable file' });
  });

  it('finds chromium or google-chrome on the PATH, and says how to install one when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-path-'));
    try {
      await writeFile(join(dir, 'google-chrome'), '#!/bin/sh\n');
      await chmod(join(dir, 'google-chrome'), 0o755);
      const viaPath = await findBrowser({ PATH: dir });
      const empty = await findBrowser({ PATH: '' });
      // Playwright's own Chromium comes before the PATH when it is installed (not on CI here).
      if (!('how' in empty)) {
        expect(viaPath).toEqual({ path: join(dir, 'google-chrome'), how: 'google-chrome on the PATH' });
        expect(empty.problem).toMatch(/^no Chromium or Chrome was found: install .*apt-get install chromium.*GOLIVE_BROWSER/);
      } else {
        expect(empty.how).toBe("Playwright's installed Chromium");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('inspectPages, in a real Chromium', () => {
  let server: Server;
  let base: string;
  let browser: FoundBrowser;
  let shots: string;

  beforeAll(async () => {
    server = pages();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const found = await findBrowser();
    if ('problem' in found) throw new Error(`these tests need a browser: ${found.problem}`);
    browser = found;
    shots = await mkdtemp(join(tmpdir(), 'golive-shots-'));
  });
  afterAll(async () => {
    server.close();
    await rm(shots, { recursive: true, force: true });
  });

  const scanner = () => {
    const s = createSecretScanner();
    s.add({ kind: 'token', value: TOKEN });
    s.add({ kind: 'client-secret', value: SECRET });
    return s;
  };

  it('finds the secrets in the DOM, scripts, requests, cookies, both storages and IndexedDB, masked', async () => {
    const seen = await inspectPages({ browser, urls: [`${base}/leaky`], scanner: scanner(), timeoutMs: 15_000, screenshotDir: shots });

    expect(seen.browser?.version).toMatch(/^\d+\./);
    expect(seen.pages).toEqual([{ url: `${base}/leaky`, status: 200, requests: 3 }]);
    const where = new Set(seen.sightings.map((s) => `${s.kind} ${s.where}`));
    for (const expected of [
      'token DOM',
      'client-secret response body (text/javascript)',
      'token request URL (GET)',
      'token request header authorization',
      'client-secret response header set-cookie',
      'client-secret cookie session',
      'token localStorage api',
      'client-secret sessionStorage b64',
      'token IndexedDB shop/auth',
    ]) {
      expect(where, expected).toContain(expected);
    }
    const text = JSON.stringify(seen);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
    expect((await stat(join(shots, 'page-1.png'))).size).toBeGreaterThan(1000);
  });

  it('finds nothing on a page that holds no secret, and reports a page that does not load', async () => {
    const closed = await freePort();
    const seen = await inspectPages({ browser, urls: [`${base}/clean`, `http://127.0.0.1:${closed}/shop`], scanner: scanner(), timeoutMs: 10_000 });

    expect(seen.sightings).toEqual([]);
    expect(seen.pages[0]).toEqual({ url: `${base}/clean`, status: 200, requests: 2 });
    expect(seen.pages[1]).toMatchObject({ url: `http://127.0.0.1:${closed}/shop`, status: null, error: `net::ERR_CONNECTION_REFUSED at http://127.0.0.1:${closed}/shop` });
  });

  it("lets a customer's own token be on the page while the API user's token on the same page is a sighting", async () => {
    const s = createSecretScanner();
    s.add({ kind: 'customer-token', value: TOKEN });
    s.add({ kind: 'client-secret', value: SECRET });
    const seen = await inspectPages({ browser, urls: [`${base}/leaky`], scanner: s, timeoutMs: 15_000 });
    expect(seen.sightings.length).toBeGreaterThan(0);
    expect(seen.sightings.every((x) => x.kind === 'client-secret')).toBe(true);
  });

  it('says so when the browser does not start', async () => {
    const seen = await inspectPages({ browser: { path: '/bin/false', how: 'GOLIVE_BROWSER' }, urls: [`${base}/clean`], scanner: scanner(), timeoutMs: 5_000 });
    expect(seen).toMatchObject({ browser: null, pages: [], sightings: [], problem: expect.stringMatching(/^the browser \(GOLIVE_BROWSER: \/bin\/false\) did not start/) });
  });
});
