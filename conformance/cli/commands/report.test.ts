import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFixture } from '../../../reports/test/report-fixture.ts';
import { golive } from '../../test/cli.ts';

let dir: string;
let saved: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-report-cli-'));
  saved = join(dir, 'report.json');
  await writeFile(saved, `${JSON.stringify({ ...reportFixture(), addedLater: { kept: true } }, null, 2)}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('golive report', () => {
  it('renders a saved report as JUnit XML on stdout', async () => {
    const result = await golive(['report', saved, '--format', 'junit']);
    expect(result.code).toBe(0);
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'testcase' }).parse(result.stdout);
    expect(parsed.testsuites.testsuite['@_name']).toBe('golive');
    expect(parsed.testsuites.testsuite.testcase).toHaveLength(reportFixture().checks.length);
  });

  it('writes Markdown to --out and prints the path', async () => {
    const out = join(dir, 'nested', 'summary.md');
    const result = await golive(['report', saved, '--format', 'md', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`report: ${out}`);
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('## ❌ NOT CERTIFIED');
  });

  it('writes the self-contained HTML page to --out', async () => {
    const out = join(dir, 'report.html');
    const result = await golive(['report', saved, '--format', 'html', '--out', out]);
    expect(result.code).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(html.match(/<tr class="check"/g)).toHaveLength(reportFixture().checks.length);
  });

  it('renders JSON again without losing a field a newer golive added', async () => {
    const result = await golive(['report', saved, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ...reportFixture(), addedLater: { kept: true } });
  });

  it.each([
    ['a file that does not exist', async () => join(dir, 'missing.json'), /missing\.json does not exist/],
    ['a file that is not JSON', async () => write('broken.json', '{"schemaVersion": 1,\n'), /broken\.json is not JSON \(/],
    ['another schema version', async () => write('v2.json', JSON.stringify({ ...reportFixture(), schemaVersion: 2 })), /v2\.json: not a golive report: schemaVersion is 2, golive reads 1/],
    ['no checks array', async () => write('nochecks.json', JSON.stringify({ schemaVersion: 1, tool: { name: 'golive' } })), /nochecks\.json: not a golive report: it has no checks array/],
    [
      'a check with an unknown verdict',
      async () => write('verdict.json', JSON.stringify({ ...reportFixture(), checks: [{ ...reportFixture().checks[0], verdict: 'maybe' }] })),
      /verdict\.json: checks\.0\.verdict: /,
    ],
  ])('exits 2 with one line naming the problem for %s', async (_what, make, message) => {
    const result = await golive(['report', await make(), '--format', 'md']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/\(GOLIVE_ERR_REPORT_INVALID\)$/);
  });

  it('names the available formats for an unknown one', async () => {
    const result = await golive(['report', saved, '--format', 'pdf']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('golive: --format: "pdf" is not available (formats: json, junit, md, html, sarif, badge) (GOLIVE_ERR_USAGE)');
  });
});

describe('golive certify --format', () => {
  it('rejects an unknown format before running anything, naming the available ones', async () => {
    const result = await golive(['certify', '--format', 'json,xml', '--', 'node', '-e', '']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('golive: --format: "xml" is not available (formats: json, junit, md, html, sarif, badge) (GOLIVE_ERR_USAGE)');
  });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
