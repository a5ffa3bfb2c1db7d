import { link, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FORMATS, RENDERERS, type Renderer, writeReports } from './index.ts';
import { reportSchema } from './schema.ts';
import { reportFixture } from './test/report-fixture.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('RENDERERS', () => {
  it('names each renderer by its key and gives each its own file', () => {
    expect(FORMATS).toEqual(['json', 'junit', 'md', 'html', 'sarif', 'badge']);
    for (const f of FORMATS) expect(RENDERERS[f].format).toBe(f);
    expect(FORMATS.map((f) => RENDERERS[f].file)).toEqual(['report.json', 'junit.xml', 'report.md', 'report.html', 'report.sarif', 'badge.svg']);
  });

  it('writes report.json as the model, which its schema accepts', () => {
    const json = RENDERERS.json.render(reportFixture());
    expect(json.endsWith('}\n')).toBe(true);
    expect(reportSchema.parse(JSON.parse(json))).toEqual(reportFixture());
  });
});

describe('writeReports', () => {
  it('replaces a report by renaming a whole new file over it, never by rewriting it in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-reports-'));
    dirs.push(dir);
    const previous = `${JSON.stringify({ previous: true })}\n`;
    await writeFile(join(dir, 'report.json'), previous);
    // A second name for the old file: written in place (truncated, then filled), it would change
    // too, and a run killed in between would leave half a report; replaced by a rename, it keeps
    // the old bytes while the new name holds the new report whole.
    await link(join(dir, 'report.json'), join(dir, 'previous.json'));
    const { written, failed } = await writeReports(reportFixture(), dir, [RENDERERS.json]);
    expect({ written, failed }).toEqual({ written: [join(dir, 'report.json')], failed: [] });
    expect(await readFile(join(dir, 'previous.json'), 'utf8')).toBe(previous);
    expect(reportSchema.parse(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')))).toEqual(reportFixture());
    // No temporary file is left behind.
    expect((await readdir(dir)).sort()).toEqual(['previous.json', 'report.json']);
  });

  it('leaves the old report.json whole or the new one whole when the writer is killed with SIGKILL at any moment (30 kills)', async () => {
    // A writer process of the built code (npm test builds first) writes a 2 MB report again and
    // again; it is killed at a seeded moment each time, and report.json must always parse as the
    // old report or the new one, never a mix or a truncation.
    const dist = new URL('../dist/reports/index.js', import.meta.url).href;
    const dir = await mkdtemp(join(tmpdir(), 'golive-kill-'));
    dirs.push(dir);
    const old = { ...reportFixture(), durationSeconds: 1 };
    await writeReports(old, dir, [RENDERERS.json]);
    const writer = `
      const { writeReports, RENDERERS } = await import(${JSON.stringify(dist)});
      const report = JSON.parse(process.argv[1]);
      report.integration.exits[0].outputTail = Array.from({ length: 20000 }, (_, i) => 'line ' + i + ' '.repeat(80));
      console.log('go');
      for (;;) await writeReports(report, ${JSON.stringify(dir)}, [RENDERERS.json]);
    `;
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const { spawn } = await import('node:child_process');
    const seen = new Set<number>();
    for (let kill = 0; kill < 30; kill++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', writer, JSON.stringify({ ...reportFixture(), durationSeconds: 2 })], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('close', (code) => reject(new Error(`the writer ended before writing (exit ${code})`)));
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 300)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      const text = await readFile(join(dir, 'report.json'), 'utf8');
      const parsed = JSON.parse(text) as { durationSeconds: number };
      expect([1, 2]).toContain(parsed.durationSeconds);
      seen.add(parsed.durationSeconds);
    }
    // The kills landed both before a first whole write and after one, and no temporary file is taken for the report.
    expect(seen.has(2)).toBe(true);
    expect((await readdir(dir)).filter((f) => f === 'report.json')).toEqual(['report.json']);
  }, 60_000);

  it('writes every other format when one renderer throws, and says which failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-reports-'));
    dirs.push(dir);
    const broken: Renderer = { format: 'broken', file: 'broken.txt', render: () => { throw new Error('renderer bug'); } };
    const result = await writeReports(reportFixture(), join(dir, 'out'), [RENDERERS.json, broken, RENDERERS.md]);
    expect(result.written).toEqual([join(dir, 'out', 'report.json'), join(dir, 'out', 'report.md')]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ format: 'broken', file: join(dir, 'out', 'broken.txt') });
    expect((result.failed[0]!.error as Error).message).toBe('renderer bug');
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['report.json', 'report.md']);
    expect(JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8'))).toEqual(reportFixture());
  });
});
