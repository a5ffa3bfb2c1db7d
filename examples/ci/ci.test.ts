import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RENDERERS } from '../../reports/index.ts';
import { applyBaseline } from '../../reports/baseline.ts';
import { reportFixture } from '../../reports/test/report-fixture.ts';
import { GOLIVE_BIN, runToEnd } from '../../conformance/test/cli.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SCRIPT = join(HERE, 'certify.sh');
const CONVERTER = join(HERE, 'sarif-to-codequality.mjs');

let dir: string;
let fake: string;
let fixture: string;

/**
 * A stand-in for golive: `certify` records its arguments, writes the fixture as report.json into
 * --out and exits with FAKE_EXIT; any other command is the real CLI (baseline write).
 */
const FAKE_GOLIVE = `
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_LOG, JSON.stringify(args) + '\\n');
if (args[0] === 'certify') {
  const out = args[args.indexOf('--out') + 1];
  mkdirSync(out, { recursive: true });
  if (process.env.FAKE_REPORT) writeFileSync(out + '/report.json', readFileSync(process.env.FAKE_REPORT));
  if (process.env.FAKE_EXIT === '2') process.stderr.write('golive: config file x does not exist (GOLIVE_ERR_CONFIG_NOT_FOUND)\\n');
  process.exit(Number(process.env.FAKE_EXIT));
}
const r = spawnSync(process.execPath, [${JSON.stringify(GOLIVE_BIN)}, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-ci-example-'));
  fake = join(dir, 'fake-golive.mjs');
  await writeFile(fake, FAKE_GOLIVE);
  fixture = join(dir, 'fixture-report.json');
  await writeFile(fixture, RENDERERS.json.render(reportFixture()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The argument lists golive was called with, in order. */
  calls: string[][];
}

async function runScript(cwd: string, env: Record<string, string>, args: string[] = []): Promise<ScriptRun> {
  const log = join(cwd, 'calls.log');
  await writeFile(log, '');
  const result = await runToEnd('sh', [SCRIPT, ...args], { cwd, env: { GOLIVE: `${process.execPath} ${fake}`, FAKE_LOG: log, FAKE_REPORT: fixture, ...env } });
  const calls = (await readFile(log, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  return { ...result, calls };
}

async function workspace(name: string, baseline?: string): Promise<string> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  if (baseline !== undefined) await writeFile(join(cwd, 'golive-baseline.yaml'), baseline);
  return cwd;
}

describe('examples/ci/certify.sh', () => {
  it('passes the baseline before the integration command and exits 0 when certified', async () => {
    const cwd = await workspace('certified', 'accepted: []\n');
    const run = await runScript(cwd, { FAKE_EXIT: '0' }, ['--', 'node', 'app.mjs']);
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([['certify', '--out', 'golive-report', '--baseline', 'golive-baseline.yaml', '--', 'node', 'app.mjs']]);
    expect(run.stdout).toContain('certify.sh: CERTIFIED');
  });

  it('runs without --baseline when there is no baseline file, and adds --sign with a key', async () => {
    const cwd = await workspace('no-baseline');
    const run = await runScript(cwd, { FAKE_EXIT: '0', GOLIVE_SIGN_KEY: 'keys/golive.pem', GOLIVE_OUT: 'out' });
    expect(run.calls[0]).toEqual(['certify', '--out', 'out', '--sign', 'keys/golive.pem']);
    expect(run.stdout).toContain('no baseline (golive-baseline.yaml)');
  });

  it('exits 1 when not certified and leaves a baseline proposal written by golive baseline write', async () => {
    const cwd = await workspace('not-certified', 'accepted: []\n');
    const run = await runScript(cwd, { FAKE_EXIT: '1' });
    expect(run.code).toBe(1);
    expect(run.calls[1]).toEqual(['baseline', 'write', 'golive-report/report.json', '--out', 'golive-report/baseline.proposed.yaml']);
    const proposal = parse(await readFile(join(cwd, 'golive-report', 'baseline.proposed.yaml'), 'utf8')) as { accepted: { check: string; reason: string }[] };
    expect(proposal.accepted.map((e) => e.check)).toEqual(['token.cached-and-reused', 'token.not-in-url', 'webhooks.idempotent', 'errors.no-retry-on-403']);
    expect(proposal.accepted.every((e) => e.reason === 'TODO')).toBe(true);
    expect(run.stdout).toContain('NOT CERTIFIED');
  });

  it('exits 2 when golive could not run, without proposing a baseline', async () => {
    const cwd = await workspace('unusable');
    const run = await runScript(cwd, { FAKE_EXIT: '2', FAKE_REPORT: '' });
    expect(run.code).toBe(2);
    expect(run.calls).toHaveLength(1);
    expect(run.stderr).toContain('GOLIVE_ERR_CONFIG_NOT_FOUND');
    expect(run.stdout).toContain('could not run the certification');
  });

  it('passes an interruption on as 130', async () => {
    const run = await runScript(await workspace('interrupted'), { FAKE_EXIT: '130' });
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('interrupted');
  });
});

describe('examples/ci/.gitlab-ci.yml', () => {
  it('names the files certify writes: junit.xml as the JUnit report, the SARIF turned into code quality', async () => {
    const yml = parse(await readFile(join(HERE, '.gitlab-ci.yml'), 'utf8')) as {
      golive: { variables: Record<string, string>; script: string[]; after_script: string[]; artifacts: { when: string; paths: string[]; reports: Record<string, string> } };
    };
    const job = yml.golive;
    const out = job.variables.GOLIVE_OUT;
    expect(out).toBe('golive-report'); // certify's default --out, and certify.sh's
    expect(job.artifacts.when).toBe('always');
    expect(job.artifacts.paths).toEqual([`${out}/`]);
    expect(job.artifacts.reports.junit).toBe(`${out}/${RENDERERS.junit.file}`);
    expect(job.script.some((line) => /\bsh ci\/certify\.sh\b/.test(line))).toBe(true);
    const convert = job.after_script.find((line) => line.includes('sarif-to-codequality.mjs'))!.split(/\s+/);
    expect(convert.slice(-2)).toEqual([`${out}/${RENDERERS.sarif.file}`, job.artifacts.reports.codequality]);
  });

  it('turns report.sarif into Code Climate issues, leaving out accepted failures', async () => {
    const report = applyBaseline(reportFixture(), { file: 'b', entries: [{ check: 'webhooks.idempotent', reason: 'JIRA-1' }] }, new Date('2026-01-01'));
    const sarif = join(dir, 'report.sarif');
    const out = join(dir, 'gl-code-quality.json');
    await writeFile(sarif, RENDERERS.sarif.render(report));
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, [CONVERTER, sarif, out, 'golive.config.json']).on('close', resolve));
    expect(code).toBe(0);
    const issues = JSON.parse(await readFile(out, 'utf8')) as { check_name: string; severity: string; location: { path: string; lines: { begin: number } } }[];
    expect(issues.map((i) => i.check_name)).toEqual(['token.cached-and-reused', 'token.not-in-url', 'errors.no-retry-on-403', 'errors.jitter-on-429', 'credentials.store-market-scoping']);
    expect(issues.find((i) => i.check_name === 'token.not-in-url')).toMatchObject({ severity: 'critical', location: { path: 'src/client.js', lines: { begin: 42 } } });
    expect(issues.find((i) => i.check_name === 'token.cached-and-reused')?.location.path).toBe('golive.config.json');
  });
});
