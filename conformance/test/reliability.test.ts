import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../reports/model.ts';
import { reportSchema } from '../../reports/schema.ts';
import { loadConfig } from '../config/load.ts';
import { CHECKS } from '../checks/index.ts';
import { certify } from '../runner/certify.ts';
import { isGone } from '../runner/kill-tree.ts';
import { golive } from './cli.ts';
import { BRIEF_TIMINGS, EXAMPLES, FIXTURES, TEST_TIMINGS, certifyExample, certifyFixture } from './harness.ts';

describe('a complete report, whatever the integration does', () => {
  it.concurrent('reports a crash at start with its exit code and output, and judges nothing as passed', async () => {
    const report = await certifyFixture('crash.mjs');
    const test = report.integration.exits.find((e) => e.environment === 'test')!;
    expect(test.beforeEnd).toBe(true);
    expect(test.error ?? '').not.toBe('');
    expect(test.outputTail.join('\n')).toContain('boom');
    expect(report.certified).toBe(false);
    const passed = report.checks.filter((c) => c.verdict === 'pass').map((c) => c.id);
    expect(passed.every((id) => id === 'credentials.descriptive-name')).toBe(true);
    expect(report.checks).toHaveLength(CHECKS.length);
  });

  it.concurrent.each([
    ['by a signal (SIGSEGV)', 'segv', { signal: 'SIGSEGV' }, 'about to fault'],
    ['by an uncaught exception', 'throw', { code: 1 }, 'TypeError: Cannot read properties of undefined'],
  ] as const)('reports an integration that dies mid-run %s: how it ended and its last output, every check judged (case 102)', async (_how, mode, ended, said) => {
    const report = await certifyFixture('crash-later.mjs', 'ready', BRIEF_TIMINGS, { CRASH: mode });
    const test = report.integration.exits.find((e) => e.environment === 'test')!;
    expect(test).toMatchObject({ beforeEnd: true, ...ended });
    expect(test.outputTail.join('\n')).toContain(said);
    // It did work before it died: the output shows its polls (answered as the phases had it: 200, 429…).
    expect(test.outputTail.join('\n')).toMatch(/poll 1: 200\n[^]*poll 3: \d{3}/);
    expect(report.checks).toHaveLength(CHECKS.length);
    expect(report.phases.length).toBeGreaterThan(1);
    expect(report.certified).toBe(false);
  }, 240_000);

  it.concurrent('reports an integration that exits at once, with every check judged', async () => {
    const report = await certifyFixture('exit-zero.mjs');
    expect(report.checks.filter((c) => c.verdict === 'pass' && c.id !== 'credentials.descriptive-name')).toEqual([]);
    expect(report.certified).toBe(false);
  });

  it.concurrent('stops an integration that hangs, ignores SIGTERM and leaves a grandchild: nothing survives', async () => {
    // Brief phases: it makes no call, so every phase lasts its whole bound, and only the stopping matters here.
    const report = await certifyFixture('grandchild.mjs', 'grandchild \\d+', BRIEF_TIMINGS);
    const tail = report.integration.exits.flatMap((e) => e.outputTail).join('\n');
    const pids = [...tail.matchAll(/(?:child|grandchild) (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    expect(report.phases.every((p) => p.completed)).toBe(true);
    // It makes no call: nothing that needs a call to be seen may pass. What it holds from the start
    // can be judged all the same: the config, its files, and its output (its secret was in its
    // environment from the first moment, and it did not print it).
    const judgedWithoutCalls = ['credentials.descriptive-name', 'credentials.secret-not-in-source', 'token.not-logged'];
    expect(report.checks.find((c) => c.id === 'token.cached-and-reused')!.verdict).toBe('inconclusive');
    expect(report.checks.filter((c) => c.verdict === 'pass' && !judgedWithoutCalls.includes(c.id)).map((c) => c.id)).toEqual([]);
  }, 240_000);
});

describe('an integration that floods its output', () => {
  it.concurrent('writes 20 MB to stdout and stderr at once and still gets a complete report, its output and the report kept bounded', async () => {
    const report = await certifyFixture('flood.mjs', undefined, BRIEF_TIMINGS, { BOTH_STREAMS: '1' });
    expect(report.checks).toHaveLength(CHECKS.length);
    const test = report.integration.exits.find((e) => e.environment === 'test')!;
    // Both pipes drained to the end (no deadlock): it finished its output and exited by itself.
    expect(test.outputTail.join('\n')).toContain('flood done');
    expect(test.code).toBe(0);
    expect(test.outputTail.join('\n').length).toBeLessThan(300_000);
    // Every run's tail together, and everything else: the report stays small.
    expect(JSON.stringify(report).length).toBeLessThan(2_000_000);
    expect(report.certified).toBe(false);
  });
});

/** The end of a tiny CommonJS integration: ready, one token, then an order poll every 300 ms until stopped. */
const POLLER = `console.log('ready');
const base = process.env.OMNIUM_API_URL;
(async () => {
  const form = new URLSearchParams({ grant_type: 'client_credentials', clientId: process.env.OMNIUM_CLIENT_ID, clientSecret: process.env.OMNIUM_CLIENT_SECRET });
  const answer = await fetch(base + '/api/token?returnAsJson=true', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const { accessToken } = await answer.json();
  setInterval(() => fetch(base + '/api/Orders/GetOrders?pageSize=1', { headers: { authorization: 'Bearer ' + accessToken } }).catch(() => {}), 300);
})().catch((err) => console.error(err.message));
`;

describe('golive certify on the command line', () => {
  it.concurrent('exits 1 for the naive example and writes a report.json that says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-naive-'));
    await cp(join(EXAMPLES, 'naive-node'), dir, { recursive: true });
    const out = join(dir, 'out');
    // Every check but errors.network-retry-bounded (--only): the naive example has no request
    // timeout, so its hanging request would hold the network phase to its bound (45 s with --fast).
    const only = CHECKS.map((c) => c.id).filter((id) => id !== 'errors.network-retry-bounded');
    const result = await golive(['certify', '--fast', '--out', out, '--only', only.join(',')], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('NOT CERTIFIED');
    // The report.json users get validates against the schema `golive report` reads it with.
    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))) as Report;
    expect(report).toMatchObject({ schemaVersion: 1, tool: { name: 'golive' }, certified: false });
    // What the run was made with, to make it again (case 113).
    expect(report.setup).toMatchObject({ profile: 'omnium', seed: 1, node: process.version, timings: { name: 'fast', ms: { steadyMs: 3_000 } } });
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/<property name="seed" value="1"\/>/);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
    expect(byId).toMatchObject({
      'token.cached-and-reused': 'fail',
      'token.not-logged': 'fail',
      'credentials.least-privilege': 'fail',
      'credentials.secret-not-in-source': 'fail',
      'token.secret-in-body': 'warn',
      // It asks for a token with the refused credentials again and again.
      'rotation.survives-secret-rotation': 'fail',
    });
    // Each verdict that asks for work says where to look: no failing or warning check without evidence.
    expect(report.checks.filter((c) => (c.verdict === 'fail' || c.verdict === 'warn') && c.evidence.length === 0).map((c) => c.id)).toEqual([]);
    // A security tool never carries a secret in full: not in any report format, not on its own
    // output. The naive example leaks all three kinds (it writes its client secret to a file,
    // prints every token, and logs the webhook's Authorization header), so each is planted.
    const { clientSecret } = JSON.parse(await readFile(join(dir, 'config.local.json'), 'utf8')) as { clientSecret: string };
    expect(clientSecret.length).toBeGreaterThan(20);
    const outputs = [result.stdout, result.stderr, ...(await Promise.all(['report.json', 'junit.xml', 'report.md', 'report.html', 'report.sarif'].map((f) => readFile(join(out, f), 'utf8'))))];
    for (const text of outputs) {
      expect(text).not.toContain(clientSecret);
      expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/);
      expect(text).not.toMatch(/whk_[\w-]{20,}/);
    }
    // …while the report does say where each leak was, masked.
    expect(outputs[2]).toMatch(/config\.local\.json/);
  });

  it('exits 2 with one line naming the key for a config with an unknown key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-badconfig-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'golive.config.json'), JSON.stringify({ integration: { command: 'node app.js', mode: 'daemon' } }));
    const result = await golive(['certify'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('integration.mode');
  });

  it('exits 2 naming the key for `scenarios` naming no phase of the plan, and starts nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-badscenario-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'golive.config.json'), JSON.stringify({ integration: { command: 'node -e "require(\'fs\').writeFileSync(\'started\', \'\')"' }, scenarios: ['429-storm'] }));
    const result = await golive(['certify'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/scenarios: "429-storm" is not a phase of this certify plan \(its phases: steady, /);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it.concurrent('--repeat 2 reports a check whose verdict changed between the runs as flaky, and does not certify', async () => {
    // Leaks its client secret into a file during the first run only (each run has a CA of its
    // own, so the first CA seen marks the first run): the same integration, two verdicts. It
    // calls the API so the steady phase ends on time.
    const dir = await mkdtemp(join(tmpdir(), 'golive-flaky-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(dir, 'app.js'),
      `const fs = require('node:fs');
if (!fs.existsSync('first-run')) fs.writeFileSync('first-run', process.env.NODE_EXTRA_CA_CERTS);
if (fs.readFileSync('first-run', 'utf8') === process.env.NODE_EXTRA_CA_CERTS) fs.writeFileSync('config.local.json', JSON.stringify({ clientSecret: process.env.OMNIUM_CLIENT_SECRET }));
else fs.rmSync('config.local.json', { force: true });
${POLLER}`,
    );
    const out = join(dir, 'out');
    const result = await golive(['certify', '--fast', '--repeat', '2', '--only', 'credentials.secret-not-in-source', '--format', 'json,md', '--out', out, '--', 'node', 'app.js'], { cwd: dir });
    expect(result.stdout).toContain('run 2 of 2');
    expect(result.code).toBe(1);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.runs).toBe(2);
    const check = report.checks.find((c) => c.id === 'credentials.secret-not-in-source')!;
    expect(check).toMatchObject({ verdict: 'fail', flaky: { verdicts: ['fail', 'pass'] } });
    expect(check.summary).toMatch(/^Flaky: fail in run 1, pass in run 2/);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('**2 runs**');
  });

  it.concurrent('runs two golive certify processes at once, each with its own listeners, temporary folder, API user and report (case 107)', async () => {
    // Each integration writes down what it was given, then calls its API until stopped.
    const app = `const fs = require('node:fs');
fs.writeFileSync('given.json', JSON.stringify({ apiUrl: process.env.OMNIUM_API_URL, ca: process.env.NODE_EXTRA_CA_CERTS, clientId: process.env.OMNIUM_CLIENT_ID }));
${POLLER}`;
    const { writeFile } = await import('node:fs/promises');
    const dirs = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), 'golive-twin-'))));
    await Promise.all(dirs.map((dir) => writeFile(join(dir, 'app.js'), app)));
    const results = await Promise.all(
      dirs.map((dir) => golive(['certify', '--fast', '--only', 'token.cached-and-reused', '--format', 'json', '--out', join(dir, 'out'), '--', 'node', 'app.js'], { cwd: dir })),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const given = await Promise.all(dirs.map(async (dir) => JSON.parse(await readFile(join(dir, 'given.json'), 'utf8')) as { apiUrl: string; ca: string; clientId: string }));
    expect(given[0]!.apiUrl).not.toBe(given[1]!.apiUrl);
    expect(given[0]!.clientId).not.toBe(given[1]!.clientId);
    // The CA file lives in each run's own temporary folder, gone once its run ended.
    expect(join(given[0]!.ca, '..')).not.toBe(join(given[1]!.ca, '..'));
    expect(given.map((g) => existsSync(g.ca))).toEqual([false, false]);
    for (const dir of dirs) {
      const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as Report;
      const check = report.checks.find((c) => c.id === 'token.cached-and-reused')!;
      expect(check.verdict, check.summary).toBe('pass');
    }
    // Each run's simulated API is its own.
    const simulated = results.map((r) => /simulated API at (\S+);/.exec(r.stdout)?.[1]);
    expect(simulated[0]).toBeTruthy();
    expect(simulated[0]).not.toBe(simulated[1]);
  });

  it('exits 2 for a bad --repeat, naming it', async () => {
    const result = await golive(['certify', '--repeat', '0', '--', 'node', '-e', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--repeat: expected a whole number from 1 to 20, got "0"');
  });

  it('exits 2 for a command that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-nocmd-'));
    const result = await golive(['certify', '--', 'no-such-command-golive'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-command-golive');
  });
});

describe('the Python example', () => {
  const env = { POLL_INTERVAL_MS: '250', REQUEST_TIMEOUT_MS: '2000' };

  it.concurrent('certifies: requests trusts the harness CA through REQUESTS_CA_BUNDLE', async () => {
    const report = await certifyExample('python-requests', (c) => ({ ...c, integration: { ...c.integration, env } }));
    // errors.jitter-on-429 is advisory and its two-storm comparison can warn by chance (see certify.test.ts); one tenant: no tenancy check.
    const expected = (c: { id: string; verdict: string }) =>
      c.verdict === 'pass' ||
      (c.id === 'errors.jitter-on-429' && c.verdict === 'warn') ||
      // errors.ratelimit-pause: its config does not say it reads the RateLimit header, so none is sent.
      ((c.id.startsWith('webhooks.') || c.id === 'token.not-in-browser' || c.id === 'tenancy.token-per-tenant' || c.id === 'rotation.survives-key-rotation' || c.id === 'errors.ratelimit-pause') &&
        c.verdict === 'not-applicable');
    expect(report.checks.filter((c) => !expected(c)).map((c) => `${c.id}: ${c.verdict}: ${c.summary}`)).toEqual([]);
    // It has no webhook endpoint: the webhook checks have nothing to judge, and the phase does not run.
    expect(report.checks.filter((c) => c.id.startsWith('webhooks.')).map((c) => c.verdict)).toEqual(Array(6).fill('not-applicable'));
    expect(report.phases.map((p) => p.name)).not.toContain('webhooks');
  });

  it.concurrent('fails token.tls-verified when verification is turned off, with the credentials it sent', async () => {
    const report = await certifyExample('python-requests', (c) => ({ ...c, integration: { ...c.integration, env: { ...env, GOLIVE_EXAMPLE_INSECURE: '1' } } }));
    const check = report.checks.find((c) => c.id === 'token.tls-verified')!;
    expect(check.verdict).toBe('fail');
    expect(check.summary).toMatch(/bad certificate/);
  });
});

describe('integration.mode "job"', () => {
  it.concurrent('runs the command once per trigger, again and again, and judges the runs together', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-job-'));
    const loaded = await loadConfig({ cwd: dir, commandOverride: ['node', join(FIXTURES, 'job.mjs')] });
    const config = { ...loaded, integration: { ...loaded.integration, mode: 'job' as const, jobIntervalMs: 200 } };
    const report = await certify({ config, timings: TEST_TIMINGS });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    // The token golive's cache folder holds is reused by the runs that follow.
    expect(byId['token.cached-and-reused']).toMatchObject({ verdict: 'pass', summary: expect.stringContaining('with the token cache folder golive handed it') });
    expect(byId['token.not-in-url']!.verdict).toBe('pass');
    expect(byId['token.secret-in-body']!.verdict).toBe('pass');
    expect(report.integration.exits.find((e) => e.environment === 'test')!.beforeEnd).toBe(false);
    expect(report.phases.every((p) => p.completed)).toBe(true);
  });

  it.concurrent.each([
    [true, 'fail', 'although golive handed the job a token cache folder'],
    [false, 'pass', 'it keeps no state between runs: one token per run is allowed'],
  ])('judges a job that asks for a token every run by whether it was handed a token cache (tokenCache: %s)', async (tokenCache, verdict, words) => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-job-'));
    const loaded = await loadConfig({ cwd: dir, commandOverride: ['node', join(FIXTURES, 'job.mjs')] });
    const config = { ...loaded, integration: { ...loaded.integration, mode: 'job' as const, jobIntervalMs: 200, tokenCache, env: { IGNORE_TOKEN_CACHE: '1' } } };
    const report = await certify({ config, timings: TEST_TIMINGS, only: ['token.cached-and-reused'] });
    expect(report.checks[0]).toMatchObject({ id: 'token.cached-and-reused', verdict, summary: expect.stringContaining(words) });
  });

  it.concurrent('gives the next run the rotated credentials: it works as the new API user, no restart needed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-job-'));
    const loaded = await loadConfig({ cwd: dir, commandOverride: ['node', join(FIXTURES, 'job.mjs')] });
    const config = { ...loaded, integration: { ...loaded.integration, mode: 'job' as const, jobIntervalMs: 200 } };
    const report = await certify({ config, timings: TEST_TIMINGS, only: ['rotation.survives-secret-rotation'] });
    const check = report.checks.find((c) => c.id === 'rotation.survives-secret-rotation')!;
    expect(check.verdict).toBe('pass');
    expect(check.summary).toContain('succeeded as the new API user');
  });
});
