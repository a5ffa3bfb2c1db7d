import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, signCertificate } from '../../../reports/certificate.ts';
import { renderJson } from '../../../reports/json.ts';
import { type Report, certifies, totals } from '../../../reports/model.ts';
import { reportFixture } from '../../../reports/test/report-fixture.ts';
import { golive } from '../../test/cli.ts';

let dir: string;
let privatePem: string;
let publicPem: string;
let otherPublic: string;

function certifiedReport(): Report {
  const checks = reportFixture().checks.map((c) => ({ ...c, verdict: c.verdict === 'not-applicable' ? c.verdict : ('pass' as const) }));
  return { ...reportFixture(), checks, totals: totals(checks), certified: certifies(checks) };
}

/** A report.json and its certificate.jws in a folder of their own, as certify --sign writes them. */
async function signed(name: string, report: Report, now = new Date()): Promise<{ cert: string; json: string }> {
  const json = join(dir, `${name}.json`);
  const cert = join(dir, `${name}.jws`);
  const bytes = renderJson(report);
  await writeFile(json, bytes);
  const key = await loadSigningKey(privatePem);
  await writeFile(cert, `${await signCertificate({ report, reportBytes: Buffer.from(bytes), profile: 'omnium', git: null, config: null, now }, key)}\n`);
  return { cert, json };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-verify-cli-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  privatePem = join(dir, 'key.pem');
  publicPem = join(dir, 'pub.pem');
  otherPublic = join(dir, 'other.pem');
  await writeFile(privatePem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(publicPem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(otherPublic, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('golive verify', () => {
  it('exits 0 for a valid certificate of a certified report and prints what it certifies', async () => {
    const { cert, json } = await signed('good', certifiedReport());
    const result = await golive(['verify', cert, json, '--key', publicPem, '--max-age', '1d']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^valid: .* is signed by key \S+ \(ES256\) and .* is the report it signed$/);
    expect(lines).toContain('integration: node app.mjs');
    expect(lines.at(-1)).toBe('CERTIFIED');
    const pem = await readFile(privatePem, 'utf8');
    expect(result.stdout).not.toContain(pem.split('\n')[1]);
  });

  it('exits 1 for a report changed after signing', async () => {
    const { cert, json } = await signed('tampered', certifiedReport());
    await writeFile(json, (await readFile(json, 'utf8')).replace('"durationSeconds": 84.2', '"durationSeconds": 84.3'));
    const result = await golive(['verify', cert, json, '--key', publicPem]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^INVALID: .*: the report is not the one signed/);
  });

  it('exits 1 with another public key', async () => {
    const { cert, json } = await signed('wrong-key', certifiedReport());
    const result = await golive(['verify', cert, json, '--key', otherPublic]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/the signature does not verify with this key/);
  });

  it('exits 1 for a certificate older than --max-age', async () => {
    const { cert, json } = await signed('old', certifiedReport(), new Date('2026-01-01T00:00:00Z'));
    const result = await golive(['verify', cert, json, '--key', publicPem, '--max-age', '30d']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/signed 2026-01-01T00:00:00.000Z, longer ago than --max-age allows/);
  });

  it('exits 1 for a valid certificate of a report that does not certify', async () => {
    const { cert, json } = await signed('not-certified', reportFixture());
    const result = await golive(['verify', cert, json, '--key', publicPem]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('NOT CERTIFIED');
  });

  it('exits 2 with one line for an unusable key, a missing certificate, or a bad --max-age', async () => {
    const { cert, json } = await signed('inputs', certifiedReport());
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'hello');
    const key = await golive(['verify', cert, json, '--key', garbage]);
    expect([key.code, key.stderr.trim()]).toEqual([2, `golive: key file ${garbage} is neither PEM nor a JWK (GOLIVE_ERR_KEY_INVALID)`]);
    const missing = await golive(['verify', join(dir, 'none.jws'), json, '--key', publicPem]);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `golive: certificate ${join(dir, 'none.jws')} does not exist (GOLIVE_ERR_CERTIFICATE_UNREADABLE)`]);
    const noKey = await golive(['verify', cert, json]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--key PUBLIC is required/);
    const age = await golive(['verify', cert, json, '--key', publicPem, '--max-age', 'soon']);
    expect([age.code, age.stderr.trim()]).toEqual([2, 'golive: --max-age: expected a duration such as 30d, 12h, 90m or 3600s, got "soon" (GOLIVE_ERR_USAGE)']);
  });
});
