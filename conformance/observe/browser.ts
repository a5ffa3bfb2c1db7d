/**
 * Opens the integration's front-end pages in a real Chromium and looks for the run's secrets
 * everywhere a browser holds them: the DOM, every request (URL, headers, body), every
 * response (headers, body: scripts included), cookies, localStorage, sessionStorage and
 * IndexedDB. The browser is the user's own (never downloaded): `findBrowser` says which.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SecretHow, SecretKind, SecretScanner } from './secrets.ts';

/** How golive launches Chromium: no sandbox (containers, CI), no GPU, no background traffic of its own. */
export const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] as const;

/** Executables looked for on the PATH, in this order (Debian's, other distributions', Google's). */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

export interface FoundBrowser {
  path: string;
  /** How it was found, for the report: `GOLIVE_BROWSER`, `Playwright's Chromium`, `chromium on the PATH`. */
  how: string;
}

export type BrowserLookup = FoundBrowser | { problem: string };

const HOW_TO_INSTALL =
  'install Chromium or Chrome (Debian/Ubuntu: apt-get install chromium; any system: npx playwright install chromium) or set GOLIVE_BROWSER to the path of one';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Playwright's own installed Chromium, when `npx playwright install chromium` was run. */
async function playwrightChromium(): Promise<string | null> {
  try {
    const { chromium } = await import('playwright-core');
    const path = chromium.executablePath();
    return path && isExecutable(path) ? path : null;
  } catch {
    return null;
  }
}

/**
 * The browser to use, the way a user's machine has one: `GOLIVE_BROWSER` (a path), then
 * Playwright's installed Chromium, then Chromium or Chrome on the PATH (as on GitHub's runners).
 * @example const found = await findBrowser(); if ('problem' in found) console.log(found.problem);
 */
export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserLookup> {
  const given = env.GOLIVE_BROWSER;
  if (given) return isExecutable(given) ? { path: given, how: 'GOLIVE_BROWSER' } : { problem: `GOLIVE_BROWSER=${given} is not an executable file` };
  const installed = await playwrightChromium();
  if (installed) return { path: installed, how: "Playwright's installed Chromium" };
  for (const name of PATH_NAMES) {
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const path = join(dir, name);
      if (isExecutable(path)) return { path, how: `${name} on the PATH` };
    }
  }
  return { problem: `no Chromium or Chrome was found: ${HOW_TO_INSTALL}` };
}

/** A secret seen in the browser: where, never the secret itself. */
export interface BrowserSighting {
  kind: SecretKind;
  masked: string;
  how: SecretHow;
  /** `DOM`, `request header authorization`, `response body`, `cookie sid`, `localStorage token`… */
  where: string;
  /** The page or resource it was seen on (secrets in it masked). */
  url: string;
}

export interface PageVisit {
  url: string;
  /** The page's HTTP status; `null` when it did not load. */
  status: number | null;
  error?: string;
  /** Requests the page made, itself included. */
  requests: number;
}

export interface BrowserObservations {
  /** The browser used (`how` and version), or `null` when none could be. */
  browser: { how: string; version: string } | null;
  /** Why the pages were not (all) inspected. */
  problem?: string;
  pages: PageVisit[];
  sightings: BrowserSighting[];
}

export interface InspectOptions {
  browser: FoundBrowser;
  urls: readonly string[];
  scanner: SecretScanner;
  /** For each page: load until the network is idle, at most this long. */
  timeoutMs: number;
  /** A PNG of each page is written here as `page-<n>.png` when given. */
  screenshotDir?: string;
}

/** Bodies read per response: a secret past this is not looked for. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|javascript|x-javascript|ecmascript|xml|x-www-form-urlencoded)|image\/svg)|\+json|\+xml/i;

/**
 * Run in the page: everything its own storage holds, as text (localStorage, sessionStorage
 * and every IndexedDB record). A string, since golive is not compiled against the DOM's types.
 */
const STORAGE_SCRIPT = `(async () => {
  const out = [];
  for (const [name, store] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i) ?? '';
      out.push({ where: name + ' ' + key, text: key + '=' + (store.getItem(key) ?? '') });
    }
  }
  const databases = typeof indexedDB.databases === 'function' ? await indexedDB.databases() : [];
  for (const info of databases) {
    if (!info.name) continue;
    const db = await new Promise((resolve) => {
      const open = indexedDB.open(info.name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => resolve(null);
    });
    if (!db) continue;
    for (const storeName of Array.from(db.objectStoreNames)) {
      const records = await new Promise((resolve) => {
        const request = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve([]);
      });
      out.push({ where: 'IndexedDB ' + info.name + '/' + storeName, text: JSON.stringify(records) });
    }
    db.close();
  }
  return out;
})()`;

async function storage(page: Page): Promise<{ where: string; text: string }[]> {
  return page.evaluate<{ where: string; text: string }[]>(STORAGE_SCRIPT);
}

/**
 * Opens each URL in a fresh context of one browser, waits for the network to settle, and
 * reports every place a known secret showed. A page that does not load is a visit with an
 * error, not an exception.
 */
export async function inspectPages(options: InspectOptions): Promise<BrowserObservations> {
  const { scanner } = options;
  const sightings: BrowserSighting[] = [];
  const look = (text: string | null | undefined, where: string, url: string): void => {
    if (!text) return;
    for (const hit of scanner.scan(text)) {
      // A customer's own token is what a storefront page is meant to hold.
      if (hit.kind !== 'customer-token') sightings.push({ kind: hit.kind, masked: hit.masked, how: hit.how, where, url: scanner.mask(url) });
    }
  };
  const { chromium } = await import('playwright-core');
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: options.browser.path, args: [...BROWSER_ARGS] });
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    return { browser: null, problem: `the browser (${options.browser.how}: ${options.browser.path}) did not start: ${first}`, pages: [], sightings };
  }
  const observed: BrowserObservations = { browser: { how: options.browser.how, version: browser.version() }, pages: [], sightings };
  try {
    for (const [n, url] of options.urls.entries()) {
      // The integration's pages use golive's CA (or their own): what is inspected here is what the page holds, not its certificate.
      const context: BrowserContext = await browser.newContext({ ignoreHTTPSErrors: true, serviceWorkers: 'block' });
      const pending: Promise<void>[] = [];
      let requests = 0;
      const page = await context.newPage();
      page.on('request', (req) => {
        requests += 1;
        look(req.url(), `request URL (${req.method()})`, req.url());
        look(req.postData(), `request body (${req.method()})`, req.url());
        pending.push(
          req.allHeaders().then((headers) => {
            for (const [name, value] of Object.entries(headers)) look(value, `request header ${name}`, req.url());
          }, () => {}),
        );
      });
      page.on('response', (res) => {
        pending.push(
          (async () => {
            for (const [name, value] of Object.entries(await res.allHeaders())) look(value, `response header ${name}`, res.url());
            const type = res.headers()['content-type'] ?? '';
            const length = Number(res.headers()['content-length'] ?? 0);
            if (res.status() >= 300 && res.status() < 400) return;
            if (!TEXT_TYPES.test(type) || length > MAX_BODY_BYTES) return;
            const body = await res.text();
            look(body.slice(0, MAX_BODY_BYTES), `response body (${type.split(';')[0]})`, res.url());
          })().catch(() => {}),
        );
      });
      const visit: PageVisit = { url: scanner.mask(url), status: null, requests: 0 };
      try {
        const response = await page.goto(url, { waitUntil: 'networkidle', timeout: options.timeoutMs });
        visit.status = response?.status() ?? null;
        look(await page.content(), 'DOM', url);
        for (const c of await context.cookies()) look(`${c.name}=${c.value}`, `cookie ${c.name}`, url);
        for (const s of await storage(page)) look(s.text, s.where, url);
        if (options.screenshotDir) await page.screenshot({ path: join(options.screenshotDir, `page-${n + 1}.png`), fullPage: true });
      } catch (err) {
        visit.error = scanner.mask(((err as Error).message.split('\n')[0] ?? String(err)).replace(/^page\.goto: /, ''));
      }
      // Responses that came in while the last ones were read push more.
      while (pending.length > 0) await Promise.all(pending.splice(0));
      visit.requests = requests;
      observed.pages.push(visit);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return observed;
}
