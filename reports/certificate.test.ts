import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateInput,
  KeyProblem,
  describeCertificate,
  gitState,
  loadSigningKey,
  loadVerifyKey,
  parseDuration,
  signCertificate,
  verifyCertificate,
} from './certificate.ts';
import { renderJson } from './json.ts';
import { type Report, certifies, totals } from './model.ts';
import { reportFixture } from './test/report-fixture.ts';

let dir: string;
const SIGNED_AT = new Date('2026-05-01T10:00:00Z');

/** A key pair written as files: PEM (PKCS #8 / SPKI) and JWK. */
async function keyFiles(name: string, type: 'ec' | 'ed25519' | 'rsa', curve = 'P-256') {
  const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: curve }) : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const files = {
    privatePem: join(dir, `${name}.key.pem`),
    publicPem: join(dir, `${name}.pub.pem`),
    privateJwk: join(dir, `${name}.key.jwk`),
    publicJwk: join(dir, `${name}.pub.jwk`),
  };
  await writeFile(files.privatePem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(files.publicPem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(files.privateJwk, JSON.stringify(pair.privateKey.export({ format: 'jwk' })));
  await writeFile(files.publicJwk, JSON.stringify(pair.publicKey.export({ format: 'jwk' })));
  return files;
}

let es: Awaited<ReturnType<typeof keyFiles>>;
let ed: Awaited<ReturnType<typeof keyFiles>>;
let other: Awaited<ReturnType<typeof keyFiles>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golive-certificate-'));
  [es, ed, other] = await Promise.all([keyFiles('es', 'ec'), keyFiles('ed', 'ed25519'), keyFiles('other', 'ec')]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function certifiedReport(): Report {
  const checks = reportFixture().checks.map((c) => ({ ...c, verdict: c.verdict === 'not-applicable' ? c.verdict : ('pass' as const) }));
  return { ...reportFixture(), checks, totals: totals(checks), certified: certifies(checks) };
}

function input(report: Report): CertificateInput {
  return {
    report,
    reportBytes: Buffer.from(renderJson(report)),
    profile: 'omnium',
    git: { commit: 'a'.repeat(40), dirty: false },
    config: { file: 'golive.config.json', bytes: Buffer.from('{"integration":{"command":"node app.mjs"}}') },
    now: SIGNED_AT,
  };
}

describe('certificate.jws', () => {
  it('is a compact JWS, ES256, whose payload binds the report digest, identity, profile and every verdict', async () => {
    const key = await loadSigningKey(es.privatePem);
    const jws = await signCertificate(input(certifiedReport()), key);
    expect(jws.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', typ: 'golive-certificate+jws', kid: key.kid });
    const result = await verifyCertificate(jws, input(certifiedReport()).reportBytes, await loadVerifyKey(es.publicPem), { now: SIGNED_AT });
    expect(result.valid && result.certified).toBe(true);
    expect(result.payload).toMatchObject({
      iat: SIGNED_AT.getTime() / 1000,
      certified: true,
      golive: { version: '0.1.0' },
      profile: 'omnium',
      integration: { command: ['node', 'app.mjs'], git: { commit: 'a'.repeat(40), dirty: false }, config: { file: 'golive.config.json' } },
    });
    expect(result.payload?.checks).toHaveLength(certifiedReport().checks.length);
    expect(result.payload?.checks[0]).toEqual({ id: 'token.cached-and-reused', verdict: 'pass', required: true });
    expect(describeCertificate(result.payload!).at(-1)).toBe('CERTIFIED');
  });

  it('signs with EdDSA from a JWK file and verifies with the public JWK', async () => {
    const jws = await signCertificate(input(certifiedReport()), await loadSigningKey(ed.privateJwk));
    expect(decodeProtectedHeader(jws).alg).toBe('EdDSA');
    const result = await verifyCertificate(jws, input(certifiedReport()).reportBytes, await loadVerifyKey(ed.publicJwk));
    expect(result.valid).toBe(true);
  });

  it('never puts the private key into the certificate', async () => {
    const jws = await signCertificate(input(certifiedReport()), await loadSigningKey(es.privateJwk));
    const { d } = JSON.parse(await (await import('node:fs/promises')).readFile(es.privateJwk, 'utf8')) as { d: string };
    const decoded = jws.split('.').slice(0, 2).map((p) => Buffer.from(p, 'base64url').toString('utf8')).join('\n');
    expect(decoded).not.toContain(d);
    expect(decoded).not.toContain('"d"');
  });

  it('is invalid for a report changed after signing', async () => {
    const jws = await signCertificate(input(certifiedReport()), await loadSigningKey(es.privatePem));
    const tampered = Buffer.from(renderJson({ ...certifiedReport(), durationSeconds: 1 }));
    const result = await verifyCertificate(jws, tampered, await loadVerifyKey(es.publicPem));
    expect(result.valid).toBe(false);
    expect(result.problem).toMatch(/^the report is not the one signed/);
  });

  it('is invalid with another key, and with a key of the other algorithm', async () => {
    const jws = await signCertificate(input(certifiedReport()), await loadSigningKey(es.privatePem));
    const bytes = input(certifiedReport()).reportBytes;
    const wrong = await verifyCertificate(jws, bytes, await loadVerifyKey(other.publicPem));
    expect(wrong).toMatchObject({ valid: false, problem: expect.stringMatching(/^the signature does not verify with this key/) });
    const otherAlg = await verifyCertificate(jws, bytes, await loadVerifyKey(ed.publicPem));
    expect(otherAlg.valid).toBe(false);
  });

  it('is invalid when its payload was changed, even with the report changed to match', async () => {
    const jws = await signCertificate(input(reportFixture()), await loadSigningKey(es.privatePem));
    const [header, payload, signature] = jws.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { certified: boolean };
    forged.certified = true;
    const result = await verifyCertificate(`${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`, input(reportFixture()).reportBytes, await loadVerifyKey(es.publicPem));
    expect(result.valid).toBe(false);
  });

  it('is too old past --max-age (clock injected)', async () => {
    const jws = await signCertificate(input(certifiedReport()), await loadSigningKey(es.privatePem));
    const bytes = input(certifiedReport()).reportBytes;
    const key = await loadVerifyKey(es.publicPem);
    const fresh = await verifyCertificate(jws, bytes, key, { maxAgeSeconds: 30 * 86400, now: new Date('2026-05-30T10:00:00Z') });
    expect(fresh.valid).toBe(true);
    const old = await verifyCertificate(jws, bytes, key, { maxAgeSeconds: 30 * 86400, now: new Date('2026-06-01T10:00:01Z') });
    expect(old.valid).toBe(false);
    expect(old.problem).toBe('signed 2026-05-01T10:00:00.000Z, longer ago than --max-age allows (31d > 30d)');
  });

  it('is valid but not certified for a report that does not certify', async () => {
    const jws = await signCertificate(input(reportFixture()), await loadSigningKey(es.privatePem));
    const result = await verifyCertificate(jws, input(reportFixture()).reportBytes, await loadVerifyKey(es.publicPem));
    expect(result).toMatchObject({ valid: true, certified: false });
    expect(describeCertificate(result.payload!).at(-1)).toBe('NOT CERTIFIED');
  });

  it('is invalid when it is not a JWS at all', async () => {
    const result = await verifyCertificate('not a certificate', Buffer.from('{}'), await loadVerifyKey(es.publicPem));
    expect(result).toMatchObject({ valid: false, problem: expect.stringMatching(/^not a compact JWS/) });
  });
});

describe('keys', () => {
  async function keyProblem(load: () => Promise<unknown>): Promise<string> {
    const err = await load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeyProblem);
    return (err as Error).message;
  }

  it('refuses a missing file, a public key for signing, garbage, RSA and P-384 keys, naming the file and never its content', async () => {
    const rsa = await keyFiles('rsa', 'rsa');
    const p384 = await keyFiles('p384', 'ec', 'P-384');
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    expect(await keyProblem(() => loadSigningKey(join(dir, 'missing.pem')))).toBe(`key file ${join(dir, 'missing.pem')} does not exist`);
    expect(await keyProblem(() => loadSigningKey(es.publicPem))).toBe(`key file ${es.publicPem} holds a public key; --sign needs the private key`);
    expect(await keyProblem(() => loadSigningKey(es.publicJwk))).toBe(`key file ${es.publicJwk} holds a public JWK; --sign needs the private key`);
    expect(await keyProblem(() => loadSigningKey(garbage))).toMatch(/is not a private key golive can read/);
    expect(await keyProblem(() => loadSigningKey(rsa.privatePem))).toBe(`key file ${rsa.privatePem}: an RSA key; golive signs with ES256 (P-256) or EdDSA (Ed25519)`);
    expect(await keyProblem(() => loadVerifyKey(p384.publicPem))).toBe(`key file ${p384.publicPem}: an EC key on secp384r1; golive signs with ES256 (P-256) or EdDSA (Ed25519)`);
    expect(await keyProblem(() => loadVerifyKey(join(dir)))).toMatch(/is a folder$/);
  });
});

describe('gitState', () => {
  let hasGit = true;
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    hasGit = false;
  }

  it('is null outside a git repository', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'golive-nogit-'));
    try {
      expect(await gitState(plain)).toBeNull();
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasGit)('gives the commit, and dirty once a tracked file changes (untracked files do not count)', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'golive-git-'));
    try {
      const g = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { stdio: 'pipe' }).toString().trim();
      g('init', '-q');
      await writeFile(join(repo, 'app.mjs'), 'console.log(1)\n');
      g('add', 'app.mjs');
      g('commit', '-q', '-m', 'first');
      const head = g('rev-parse', 'HEAD');
      await writeFile(join(repo, 'untracked.txt'), 'x');
      expect(await gitState(repo)).toEqual({ commit: head, dirty: false });
      await writeFile(join(repo, 'app.mjs'), 'console.log(2)\n');
      expect(await gitState(repo)).toEqual({ commit: head, dirty: true });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('parseDuration', () => {
  it('reads 30d, 12h, 90m, 3600s and plain seconds', () => {
    expect([parseDuration('30d'), parseDuration('12h'), parseDuration('90m'), parseDuration('3600s'), parseDuration('60'), parseDuration('2w')]).toEqual([
      2592000, 43200, 5400, 3600, 60, 1209600,
    ]);
    expect(parseDuration('soon')).toBeNull();
  });
});
