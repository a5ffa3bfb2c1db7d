import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { reportFixture } from '../../../reports/test/report-fixture.ts';
import { golive } from '../../test/cli.ts';

let dir: string;
let saved: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-baseline-cli-'));
  saved = join(dir, 'report.json');
  await writeFile(saved, `${JSON.stringify(reportFixture(), null, 2)}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const FAILING = ['token.cached-and-reused', 'token.not-in-url', 'webhooks.idempotent', 'errors.no-retry-on-403'];

describe('golive baseline write', () => {
  it('writes every failing required check with reason TODO to a YAML file', async () => {
    const out = join(dir, 'golive-baseline.yaml');
    const result = await golive(['baseline', 'write', saved, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`baseline: ${out} (4 accepted failures; give each a reason)`);
    const written = parse(await readFile(out, 'utf8')) as { accepted: { check: string; reason: string }[] };
    expect(written.accepted).toEqual(FAILING.map((check) => ({ check, reason: 'TODO' })));
  });

  it('writes JSON when --out ends in .json, and YAML to stdout without --out', async () => {
    const out = join(dir, 'baseline.json');
    expect((await golive(['baseline', 'write', saved, '--out', out])).code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ accepted: FAILING.map((check) => ({ check, reason: 'TODO' })) });
    const printed = await golive(['baseline', 'write', saved]);
    expect(printed.code).toBe(0);
    expect((parse(printed.stdout) as { accepted: unknown[] }).accepted).toHaveLength(4);
  });

  it('exits 2 with one line for a missing report or an unknown action', async () => {
    const missing = await golive(['baseline', 'write', join(dir, 'nope.json')]);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `golive: ${join(dir, 'nope.json')} does not exist (GOLIVE_ERR_REPORT_INVALID)`]);
    const action = await golive(['baseline', 'read', saved]);
    expect(action.code).toBe(2);
    expect(action.stderr.trim()).toMatch(/^golive: baseline: unknown action "read" .*\(GOLIVE_ERR_USAGE\)$/);
  });
});

describe('golive certify --baseline and --sign, refused before the run', () => {
  it('names the file and the line of an unknown check id (exit 2)', async () => {
    const file = join(dir, 'typo.yaml');
    await writeFile(file, 'accepted:\n  - check: token.not-in-url\n    reason: JIRA-12\n  - check: token.cachd-and-reused\n    reason: JIRA-13\n');
    const result = await golive(['certify', '--baseline', file, '--', process.execPath, '-e', ''], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`golive: ${file}:4: "token.cachd-and-reused" is not a check (see golive checks) (GOLIVE_ERR_BASELINE_INVALID)`);
    expect(result.stdout).toBe('');
  });

  it('refuses a missing baseline file (exit 2)', async () => {
    const result = await golive(['certify', '--baseline', 'missing.yaml', '--', process.execPath, '-e', ''], { cwd: dir });
    expect([result.code, result.stderr.trim()]).toEqual([2, 'golive: baseline missing.yaml does not exist (GOLIVE_ERR_BASELINE_INVALID)']);
  });

  it('reads the config’s baseline key, relative to the config file, and the flag wins over it', async () => {
    const run = await mkdtemp(join(dir, 'config-key-'));
    await writeFile(join(run, 'golive.config.json'), JSON.stringify({ integration: { command: [process.execPath, '-e', '0'] }, baseline: 'accepted.yaml' }));
    const fromConfig = await golive(['certify'], { cwd: run });
    expect([fromConfig.code, fromConfig.stderr.trim()]).toEqual([2, `golive: baseline ${join(run, 'accepted.yaml')} does not exist (GOLIVE_ERR_BASELINE_INVALID)`]);
    const flag = await golive(['certify', '--baseline', 'other.yaml'], { cwd: run });
    expect([flag.code, flag.stderr.trim()]).toEqual([2, 'golive: baseline other.yaml does not exist (GOLIVE_ERR_BASELINE_INVALID)']);
  });

  it('refuses a public key for --sign, and --sign without the json format (exit 2)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pub = join(dir, 'pub.pem');
    await writeFile(pub, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const key = await golive(['certify', '--sign', pub, '--', process.execPath, '-e', ''], { cwd: dir });
    expect([key.code, key.stderr.trim()]).toEqual([2, `golive: key file ${pub} holds a public key; --sign needs the private key (GOLIVE_ERR_KEY_INVALID)`]);
    const format = await golive(['certify', '--sign', pub, '--format', 'md', '--', process.execPath, '-e', ''], { cwd: dir });
    expect([format.code, format.stderr.trim()]).toEqual([2, 'golive: --sign signs report.json: add json to --format (GOLIVE_ERR_USAGE)']);
  });
});

describe('golive certify --baseline --sign, end to end', () => {
  it('certifies a run whose only failure the baseline accepts, signs it, and golive verify vouches for it', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const run = await mkdtemp(join(dir, 'run-'));
    const pair = generateKeyPairSync('ed25519');
    await writeFile(join(run, 'key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(run, 'pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    // An integration that never calls the API: token.cached-and-reused is inconclusive, which blocks certification.
    await writeFile(join(run, 'golive-baseline.yaml'), 'accepted:\n  - check: token.cached-and-reused\n    reason: JIRA-7 polling comes in the next release\n');
    const args = (out: string) => ['certify', '--fast', '--only', 'token.cached-and-reused', '--out', out, '--', process.execPath, '-e', 'setInterval(() => {}, 1000)'];
    // With the baseline, and (at the same time: each waits out steady's bound for a call that never comes) without it.
    const [result, plain] = await Promise.all([golive(['certify', '--baseline', 'golive-baseline.yaml', '--sign', 'key.pem', ...args('out').slice(1)], { cwd: run }), golive(args('plain'), { cwd: run })]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('token.cached-and-reused accepted: JIRA-7 polling comes in the next release');
    const report = JSON.parse(await readFile(join(run, 'out', 'report.json'), 'utf8')) as { certified: boolean; checks: { id: string; verdict: string; accepted?: unknown }[]; baseline: unknown };
    expect(report.certified).toBe(true);
    expect(report.checks).toEqual([expect.objectContaining({ id: 'token.cached-and-reused', verdict: 'inconclusive', accepted: { reason: 'JIRA-7 polling comes in the next release' } })]);
    expect(report.baseline).toEqual({ file: 'golive-baseline.yaml', stale: [], expired: [] });
    expect(await readFile(join(run, 'out', 'badge.svg'), 'utf8')).toContain('>0/1 +1 accepted</text>');
    expect(await readFile(join(run, 'out', 'junit.xml'), 'utf8')).toContain('<skipped message="accepted: JIRA-7 polling comes in the next release');
    const verified = await golive(['verify', join('out', 'certificate.jws'), join('out', 'report.json'), '--key', 'pub.pem'], { cwd: run });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('inconclusive (accepted): token.cached-and-reused');
    expect(verified.stdout.trim().split('\n').at(-1)).toBe('CERTIFIED');
    // Without the baseline the same run fails.
    expect(plain.code).toBe(1);
  }, 120_000);
});
