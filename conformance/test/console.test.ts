import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_TLS_KINDS, type MockServer, createMockServer } from '../../mock-server/index.ts';
import { loadConfig } from '../config/load.ts';
import { BROWSER_ARGS, findBrowser } from '../observe/browser.ts';
import { certify } from '../runner/certify.ts';
import { BRIEF_TIMINGS, EXAMPLES } from './harness.ts';

// Screenshots of the console are kept in .test-output/console/ (not committed) for a person to look at.
const OUTPUT = fileURLToPath(new URL('../../.test-output/console/', import.meta.url));

/**
 * The console in a real Chromium (Debian's, as users' machines find theirs): sign in with the
 * one-time link, watch lanes fill, act through the page, and follow a certify run's scoreboard.
 */
let browser: Browser;

beforeAll(async () => {
  const found = await findBrowser();
  if ('problem' in found) throw new Error(found.problem);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: found.path, args: [...BROWSER_ARGS] });
  await mkdir(OUTPUT, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** A client of the mock's API as `clientId`: a token, then one call per `gapMs(lastStatus)` until stopped. */
function client(mock: MockServer, user: { clientId: string; clientSecret: string }, gapMs: (status: number, retryAfter: string | null, streak: number) => number) {
  let stopped = false;
  let token = '';
  const statuses: number[] = [];
  const done = (async () => {
    let streak = 0;
    while (!stopped) {
      if (!token) {
        const r = await fetch(`${mock.apiUrl}/api/token?returnAsJson=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', clientId: user.clientId, clientSecret: user.clientSecret }),
        });
        token = r.ok ? ((await r.json()) as { accessToken: string }).accessToken : '';
      }
      const r = await fetch(`${mock.apiUrl}/api/Orders/Search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      await r.arrayBuffer();
      statuses.push(r.status);
      streak = r.status === 429 ? streak + 1 : 0;
      if (r.status === 401) token = '';
      await new Promise((resolve) => setTimeout(resolve, gapMs(r.status, r.headers.get('retry-after'), streak)));
    }
  })();
  return {
    statuses,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** The counts line of the lane of `clientId`, as the page writes it in words. */
const laneText = (page: Page, clientId: string) =>
  page
    .locator(`[data-lane="${clientId}"] .lane-counts`)
    .textContent({ timeout: 500 })
    .catch(() => null);
const count = (text: string | null, status: string) => Number(new RegExp(`${status}: (\\d+)`).exec(text ?? '')?.[1] ?? 0);

async function openConsole(link: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // The CSP refuses anything not served by the console itself; a violation is a bug.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  Object.assign(page, { errors });
  await page.goto(link);
  await page.locator('#app').waitFor({ state: 'visible' });
  return page;
}
const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

describe('the console in a browser', () => {
  it('signs in with the one-time link, and a deactivated user’s 401s appear in its lane', async () => {
    const mock = await createMockServer({ tls: false });
    const user = mock.demoUser!;
    const c = client(mock, user, () => 100);
    try {
      const page = await openConsole(mock.consoleLink());
      // The link's code is spent and gone from the address bar.
      expect(page.url()).not.toContain('code=');
      await expect.poll(() => laneText(page, user.clientId), { timeout: 15_000 }).toMatch(/200: \d+/);
      await page.getByRole('button', { name: `Deactivate ${user.name}` }).click();
      await expect.poll(async () => count(await laneText(page, user.clientId), '401'), { timeout: 15_000 }).toBeGreaterThan(0);
      await expect(page.getByRole('button', { name: `Reactivate ${user.name}` }).isVisible()).resolves.toBe(true);
      expect(mock.getApiUser(user.clientId)!.active).toBe(false);
      // The page never shows the demo user's secret: it was created before the console opened.
      expect(await page.content()).not.toContain(user.clientSecret);
      await page.screenshot({ path: join(OUTPUT, 'deactivated.png'), fullPage: true });
      expect(pageErrors(page)).toEqual([]);
      // A second visit of the same link signs in no more.
      const again = await browser.newPage();
      await again.goto(page.url().replace(/#.*$/, '') + new URL(mock.consoleLink()).hash.replace(/code=.*/, 'code=spent'));
      await again.locator('#sign-in').waitFor({ state: 'visible' });
      await again.close();
      await page.close();
    } finally {
      await c.stop();
      await mock.close();
    }
  }, 60_000);

  it('shows a 429 storm piling up on a naive client while a backing-off client thins out', async () => {
    const mock = await createMockServer({ tls: false, rateLimits: false });
    const naiveUser = await mock.createApiUser({ name: 'Naive client', roles: mock.platform.permissions.owner });
    const goodUser = await mock.createApiUser({ name: 'Resilient client', roles: mock.platform.permissions.owner });
    const naive = client(mock, naiveUser, () => 20);
    // Exponential backoff from 250 ms, and Retry-After when it is sent.
    const good = client(mock, goodUser, (status, retryAfter, streak) => (status === 429 ? Math.max(Number(retryAfter ?? 0) * 1000, 250 * 2 ** streak) : 200));
    try {
      const page = await openConsole(mock.consoleLink());
      await expect.poll(() => laneText(page, naiveUser.clientId), { timeout: 15_000 }).toMatch(/200: \d+/);
      await page.getByRole('button', { name: '429 storm, Retry-After 5' }).click();
      await expect.poll(() => page.getByRole('button', { name: '429 storm, Retry-After 5' }).getAttribute('aria-pressed')).toBe('true');
      await expect.poll(async () => count(await laneText(page, naiveUser.clientId), '429'), { timeout: 20_000 }).toBeGreaterThan(60);
      const naive429 = count(await laneText(page, naiveUser.clientId), '429');
      const good429 = count(await laneText(page, goodUser.clientId), '429');
      expect(good429).toBeGreaterThan(0);
      expect(naive429).toBeGreaterThan(10 * good429);
      await page.screenshot({ path: join(OUTPUT, 'storm.png'), fullPage: true });
      // The request table's rows open their details, secrets masked.
      await page.locator('#requests tbody tr').first().click();
      await expect.poll(() => page.locator('#details').textContent()).toContain('"status": 429');
      expect(await page.locator('#details').textContent()).not.toContain(naiveUser.clientSecret);
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    } finally {
      await naive.stop();
      await good.stop();
      await mock.close();
    }
  }, 60_000);

  it('switches the certificate the API presents to any bad kind and back, and turns on a RateLimit r=0 rule', async () => {
    const mock = await createMockServer();
    /** A new connection to the API, verifying against the harness CA: its status, or the TLS error's code. */
    const handshake = () =>
      new Promise<number | string>((resolve) => {
        const req = httpsRequest(`${mock.apiUrl}/api/Health`, { ca: mock.tls!.ca.cert, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.end();
      });
    try {
      const page = await openConsole(mock.consoleLink());
      const certificate = page.getByLabel('API certificate');
      expect(await certificate.locator('option').allTextContents()).toEqual(['valid', ...BAD_TLS_KINDS.map((k) => `bad: ${k}`)]);
      await certificate.selectOption('expired');
      await expect.poll(handshake).toBe('CERT_HAS_EXPIRED');
      await certificate.selectOption('wrong-host');
      await expect.poll(handshake).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      await certificate.selectOption('valid');
      await expect.poll(handshake).toBe(200);
      await page.getByRole('button', { name: 'RateLimit r=0 (5 s)' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'RateLimit r=0 (5 s)' }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.locator('#rules').textContent()).toContain('"kind":"ratelimit","remaining":0,"resetSeconds":5');
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    } finally {
      await mock.presentCertificate('valid');
      await mock.close();
    }
  }, 60_000);

  it('follows a certify run: the phase plan, then every verdict on the scoreboard', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'golive-console-'));
    await cp(join(EXAMPLES, 'naive-node'), copy, { recursive: true });
    let page: Page | undefined;
    let opened: Promise<Page> | undefined;
    let sawPhase = false;
    try {
      const config = await loadConfig({ cwd: copy });
      const report = await certify({
        config,
        timings: BRIEF_TIMINGS,
        console: true,
        onProgress: (p) => {
          if (p.kind === 'console') opened = openConsole(p.url);
          if (p.kind === 'phase' && p.index === 1 && opened) {
            // While the run goes on: the plan is listed, and a phase is marked as the current one.
            void opened.then(async (pg) => {
              await pg.locator('#phases li.current').first().waitFor({ timeout: 10_000 });
              sawPhase = true;
            });
          }
        },
      });
      page = await opened!;
      const rows = page.locator('#scoreboard tbody tr');
      await expect.poll(() => rows.count()).toBe(report.checks.length);
      // Every check shows the verdict the report gave it: none is left pending.
      for (const check of report.checks) {
        await expect.poll(() => page!.locator(`[data-check="${check.id}"] td:nth-child(2)`).textContent()).toBe(check.verdict.toUpperCase());
      }
      expect(await page.locator('#board-status').textContent()).toBe('Not certified.');
      expect(sawPhase).toBe(true);
      await page.screenshot({ path: join(OUTPUT, 'scoreboard.png'), fullPage: true });
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await page?.close();
      await rm(copy, { recursive: true, force: true });
    }
  }, 120_000);
});
