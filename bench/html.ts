/**
 * `npm run bench -- html`: report.html of a generated 20-phase run with 100,000 journal entries
 * (and 1,500 webhook deliveries): its size (target < 5 MB) and how long Chromium takes to show it,
 * from the start of navigation to the first frame after the load event (target < 2 s).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BROWSER_ARGS, findBrowser } from '../conformance/observe/browser.ts';
import { bigRunReport } from '../conformance/test/traffic-fixtures.ts';
import { renderHtml } from '../reports/html.ts';

export interface HtmlBench {
  entries: number;
  phases: number;
  bytes: number;
  /** renderHtml in Node. */
  renderMs: number;
  /** Chromium, from navigation start to the first frame after load: each load, and the median. */
  pageMs: number[];
  pageMedianMs: number;
  /** Requests the page attempted besides its own file (must be none). */
  otherRequests: number;
}

export async function benchHtml(entries = 100_000, phases = 20, loads = 5): Promise<HtmlBench> {
  const report = bigRunReport(entries, phases);
  const start = performance.now();
  const html = renderHtml(report);
  const renderMs = performance.now() - start;
  const dir = await mkdtemp(join(tmpdir(), 'golive-bench-html-'));
  const file = join(dir, 'report.html');
  await writeFile(file, html);
  const url = pathToFileURL(file).href;
  const found = await findBrowser();
  if ('problem' in found) throw new Error(found.problem);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: found.path, args: [...BROWSER_ARGS] });
  let otherRequests = 0;
  const pageMs: number[] = [];
  try {
    for (let i = 0; i < loads; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('request', (r) => {
        if (r.url() !== url) otherRequests += 1;
      });
      await page.route('**', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      await page.goto(url, { waitUntil: 'load' });
      // Two frames after load: the first is the one that paints what the load laid out.
      // A string, as the page runs it: this project's types have no DOM.
      pageMs.push((await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))))')) as number);
      await page.close();
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = [...pageMs].sort((a, b) => a - b);
  return { entries, phases, bytes: Buffer.byteLength(html), renderMs, pageMs, pageMedianMs: sorted[Math.floor(sorted.length / 2)]!, otherRequests };
}

/** The bench's `html` part: prints the numbers and whether each meets its target. */
export async function benchHtmlReport(): Promise<void> {
  const r = await benchHtml();
  const mb = r.bytes / (1024 * 1024);
  console.log(`report.html of a ${r.phases}-phase run with ${r.entries.toLocaleString('en-US')} journal entries: ${mb.toFixed(2)} MB (target < 5 MB): ${mb < 5 ? 'OK' : 'ABOVE TARGET'}`);
  console.log(`  renderHtml in Node ${r.renderMs.toFixed(0)} ms`);
  console.log(`  shown in Chromium (navigation to first frame after load): median ${r.pageMedianMs.toFixed(0)} ms of ${r.pageMs.map((ms) => ms.toFixed(0)).join(', ')} (target < 2,000 ms): ${r.pageMedianMs < 2000 ? 'OK' : 'ABOVE TARGET'}`);
  console.log(`  other requests attempted: ${r.otherRequests} (must be 0): ${r.otherRequests === 0 ? 'OK' : 'NOT SELF-CONTAINED'}`);
}
