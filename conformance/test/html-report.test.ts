import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERERS, writeReports } from '../../reports/index.ts';
import type { Report } from '../../reports/model.ts';
import { BROWSER_ARGS } from '../observe/browser.ts';
import { craftedReport } from './traffic-fixtures.ts';

// Screenshots of the report are kept in .test-output/html-report/ (not committed) for a person to look at.
const OUTPUT = fileURLToPath(new URL('../../.test-output/html-report/', import.meta.url));

/**
 * report.html in a real Chromium (Debian's), opened from a file:// URL with every network request
 * refused: the page must need nothing but itself. A crafted report, not a certify run, keeps it fast.
 */
let browser: Browser;
let dir: string;
let url: string;
const report: Report = craftedReport();

beforeAll(async () => {
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...BROWSER_ARGS] });
  dir = await mkdtemp(join(tmpdir(), 'golive-html-report-'));
  const { written, failed } = await writeReports(report, dir, [RENDERERS.html]);
  expect(failed).toEqual([]);
  url = pathToFileURL(written[0]!).href;
  await mkdir(OUTPUT, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The report opened with the network blocked; every request the page attempted, and every error it logged, are kept. */
async function open(): Promise<{ page: Page; requested: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requested: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  // A CSP violation (a blocked script or style) is logged as an error: none may happen.
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.route('**', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
  return { page, requested, errors };
}

/** Whether an element lies within the viewport (its top inside it). */
async function inView(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  return box !== null && box.y >= 0 && box.y < page.viewportSize()!.height;
}

describe('report.html in Chromium, offline', () => {
  it('loads from file:// with nothing else requested, shows the verdict rows, and its script runs under the CSP', async () => {
    const { page, requested, errors } = await open();
    expect(await page.locator('span.status').textContent()).toBe('NOT CERTIFIED');
    const rows = await page.locator('tr.check').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-check-id'), tr.querySelector('.badge')!.textContent]));
    expect(rows.sort()).toEqual(report.checks.map((c) => [c.id, c.verdict]).sort());
    // The script ran (it marks the page and shows the zoom buttons) and the glyphs drew with their colours.
    expect(await page.locator('html').getAttribute('class')).toBe('js');
    expect(await page.locator('button.zoom').first().isVisible()).toBe(true);
    const lanes = await page.locator('tr.lane-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-lane')));
    expect(lanes).toEqual(['test', 'production', 'tls:untrusted-ca', 'tls:wrong-host', 'tls:expired', 'webhooks']);
    const box = await page.locator('tr[data-lane="test"] svg use').first().boundingBox();
    expect(box!.width).toBeGreaterThan(3);
    await page.screenshot({ path: join(OUTPUT, 'light.png'), fullPage: true });
    expect(requested).toEqual([url]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a failing check’s evidence and picks it out on the lanes', async () => {
    const { page, errors } = await open();
    const details = page.locator('tr.detail[data-check-id="token.cached-and-reused"] details');
    // It needs a look, so it is open; closed by its summary, it opens again the same way.
    expect(await details.getAttribute('open')).toBe('');
    await details.locator('summary').click();
    expect(await details.locator('ul.evidence').isVisible()).toBe(false);
    await details.locator('summary').click();
    expect(await details.locator('ul.evidence li').first().textContent()).toBe('token requests: 14 (limit 1)');
    await details.locator('a.show-on-timeline').click();
    expect(page.url()).toMatch(/#timeline$/);
    expect(await page.locator('table.timeline').getAttribute('class')).toContain('focusing');
    const focused = await page.locator('circle.hl.focus').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-check-id')));
    expect(focused.length).toBeGreaterThan(0);
    expect(new Set(focused)).toEqual(new Set(['token.cached-and-reused']));
    // Its evidence is on the lanes where the requests went: the tokens on the test run's upper row, one call in production.
    const lanesOf = await page
      .locator('circle.hl.focus')
      .evaluateAll((cs) => cs.map((c) => `${c.closest('tr')!.getAttribute('data-lane')} ${c.getAttribute('cy')}`));
    expect(new Set(lanesOf)).toEqual(new Set(['test 11', 'production 29']));
    await page.locator('#timeline').screenshot({ path: join(OUTPUT, 'evidence.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a timeline tick to its check and opens it', async () => {
    const { page, errors } = await open();
    const details = page.locator('tr.detail[data-check-id="token.tls-verified"] details');
    expect(await details.getAttribute('open')).toBeNull();
    // A tick is a 2-pixel line: Playwright's visibility wait knows no width for it, so the click goes to its place.
    await page.locator('line.tick[data-check-id="token.tls-verified"]').click({ force: true });
    expect(new URL(page.url()).hash).toBe('#check-token.tls-verified');
    expect(await inView(page, 'tr.check[data-check-id="token.tls-verified"]')).toBe(true);
    await details.locator('ul.evidence').waitFor({ state: 'visible' });
    expect(await details.getAttribute('open')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows the reader’s colour scheme', async () => {
    const { page, errors } = await open();
    // Strings, as the page runs them: this project's types have no DOM.
    const colours = () =>
      page.evaluate(`({ background: getComputedStyle(document.body).backgroundColor, ok: getComputedStyle(document.getElementById('g-2xx')).fill })`);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await colours()).toEqual({ background: 'rgb(255, 255, 255)', ok: 'rgb(26, 127, 55)' });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await colours()).toEqual({ background: 'rgb(13, 17, 23)', ok: 'rgb(63, 185, 80)' });
    await page.screenshot({ path: join(OUTPUT, 'dark.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('zooms into a phase when its band is clicked, and back out when clicked again', async () => {
    const { page, errors } = await open();
    const table = page.locator('table.timeline');
    const axis = () => page.locator('.axis span').allTextContents();
    const x = (selector: string, attr = 'x') => page.locator(selector).first().evaluate((el, a) => el.getAttribute(a), attr);
    expect(await axis()).toEqual(['0 s', '84.2 s']);
    await page.locator('tr[data-lane="test"] rect.band[data-phase="rate-limit"]').click();
    expect(await table.getAttribute('data-zoom')).toBe('rate-limit');
    expect(await axis()).toEqual(['20 s', '40 s']);
    // The phase fills the track; the storm's first 429 (at 20 s) sits at its left edge.
    expect([await x('rect.phase[data-phase="rate-limit"]'), await x('rect.phase[data-phase="rate-limit"]', 'width')]).toEqual(['0.000%', '100.000%']);
    expect(Number.parseFloat((await x('tr[data-lane="test"] use[href="#g-429"]'))!)).toBeCloseTo(0, 1);
    expect(await page.locator('button.zoom[data-phase="rate-limit"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#timeline').screenshot({ path: join(OUTPUT, 'zoomed.png') });
    await page.locator('tr[data-lane="production"] rect.band[data-phase="rate-limit"]').click();
    expect(await table.getAttribute('data-zoom')).toBeNull();
    expect(await axis()).toEqual(['0 s', '84.2 s']);
    expect(await x('rect.phase[data-phase="rate-limit"]')).toBe('23.753%');
    // The keyboard's way: a phase's zoom button, and Escape back to the whole run.
    await page.locator('button.zoom[data-phase="faults"]').click();
    expect(await table.getAttribute('data-zoom')).toBe('faults');
    await page.keyboard.press('Escape');
    expect(await table.getAttribute('data-zoom')).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });
});
