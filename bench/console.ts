/**
 * The console under load: a page open in Chromium while autocannon (its own process) sends
 * about 1,000 authenticated requests a second through the mock, loopback only. Measured in the
 * browser: the time between animation frames (the page must stay responsive) and how many of
 * the requests sent reached the page.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { MockServer } from '../mock-server/index.ts';
import { BROWSER_ARGS, findBrowser } from '../conformance/observe/browser.ts';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface ConsoleLoad {
  sentPerSecond: number;
  /** Requests the page counted in its lanes, of those sent. */
  drawnShare: number;
  frameP50Ms: number;
  frameP95Ms: number;
  frameMaxMs: number;
  /** Frames that took longer than 50 ms (a user notices those), as a share of all frames. */
  longFrameShare: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export async function benchConsole(createMockServer: (o: object) => Promise<MockServer>, seconds = 10, rate = 1_000): Promise<ConsoleLoad> {
  const found = await findBrowser();
  if ('problem' in found) throw new Error(found.problem);
  const { chromium } = await import('playwright-core');
  const mock = await createMockServer({ tls: false, rateLimits: false, demoUser: { name: 'Console bench', roles: ['OrderRead'] } });
  const browser = await chromium.launch({ executablePath: found.path, args: [...BROWSER_ARGS] });
  try {
    const user = mock.demoUser!;
    const answer = await fetch(`${mock.apiUrl}/api/token?returnAsJson=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', clientId: user.clientId, clientSecret: user.clientSecret }),
    });
    const token = ((await answer.json()) as { accessToken: string }).accessToken;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(mock.consoleLink());
    await page.locator('#app').waitFor({ state: 'visible' });
    // Frame intervals, recorded by the page itself while the load runs.
    // (A string, not a function: tsx's transform would add helpers the page does not have.)
    await page.evaluate(`(() => {
      window.frames_ = [];
      let last = performance.now();
      const tick = (now) => { window.frames_.push(now - last); last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const before = mock.journal.lastSeq;
    const args = [AUTOCANNON, '-j', '-c', '10', '-R', String(rate), '-d', String(seconds), '-H', `authorization=Bearer ${token}`, `${mock.apiUrl}/api/Orders/Search`];
    await promisify(execFile)(process.execPath, [...args.slice(0, -1), '-m', 'POST', '-H', 'content-type=application/json', '-b', '{}', args.at(-1)!], { maxBuffer: 16 * 1024 * 1024 });
    const sent = mock.journal.lastSeq - before;
    await page.waitForTimeout(500);
    const frames = ((await page.evaluate('window.frames_')) as number[]).slice(5).sort((a, b) => a - b);
    const lane = (await page.locator(`[data-lane="${user.clientId}"] .lane-counts`).textContent()) ?? '';
    // The lane shows the last minute; the load lasted less than that.
    const drawn = Number(/^(\d+) in/.exec(lane)?.[1] ?? 0);
    return {
      sentPerSecond: sent / seconds,
      drawnShare: sent === 0 ? 0 : Math.min(1, drawn / sent),
      frameP50Ms: quantile(frames, 0.5),
      frameP95Ms: quantile(frames, 0.95),
      frameMaxMs: frames.at(-1) ?? 0,
      longFrameShare: frames.filter((f) => f > 50).length / Math.max(1, frames.length),
    };
  } finally {
    await browser.close();
    await mock.close();
  }
}
