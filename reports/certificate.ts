/**
 * `certificate.jws`: a compact JWS (ES256 or EdDSA) that says which report golive wrote for which
 * integration, so a platform owner can check it before switching the integration to production
 * (`golive verify`). The payload binds the SHA-256 of report.json's exact bytes, the integration's
 * identity (command, git commit and dirty state, config digest), golive's version, the profile and
 * every verdict. The only module that imports jose outside the mock's auth.
 */
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CompactSign, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, errors, type JWK } from 'jose';
import { z } from 'zod';
import type { Report, Verdict } from './model.ts';

/** The JWS `typ` of a golive certificate. */
export const CERTIFICATE_TYPE = 'golive-certificate+jws';
export const CERTIFICATE_FILE = 'certificate.jws';

export type SigningAlgorithm = 'ES256' | 'EdDSA';
const ALGORITHMS: SigningAlgorithm[] = ['ES256', 'EdDSA'];

/** A key that cannot be used; the message names the file and the problem, never the key's content. */
export class KeyProblem extends Error {
  override name = 'KeyProblem';
}

/** A signing or verification key, read from a PEM or JWK file. */
export interface LoadedKey {
  alg: SigningAlgorithm;
  key: KeyObject;
  /** The RFC 7638 thumbprint of the public key: which key signed, without showing it. */
  kid: string;
}

/** The git commit of a folder and whether its tracked files differ from it; `null` when it is not a repository or git is missing. */
export interface GitState {
  commit: string;
  dirty: boolean;
}

export interface CertificatePayload {
  typ: 'golive-certificate';
  /** Seconds since the epoch. */
  iat: number;
  certified: boolean;
  golive: { version: string };
  profile: string;
  report: { file: string; sha256: string };
  integration: {
    command: string[];
    git: GitState | null;
    config: { file: string; sha256: string } | null;
  };
  checks: { id: string; verdict: Verdict; required: boolean; accepted?: true }[];
}

const payloadSchema = z.looseObject({
  typ: z.literal('golive-certificate'),
  iat: z.number(),
  certified: z.boolean(),
  golive: z.looseObject({ version: z.string() }),
  profile: z.string(),
  report: z.looseObject({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  integration: z.looseObject({
    command: z.array(z.string()),
    git: z.looseObject({ commit: z.string(), dirty: z.boolean() }).nullable(),
    config: z.looseObject({ file: z.string(), sha256: z.string() }).nullable(),
  }),
  checks: z.array(
    z.looseObject({ id: z.string(), verdict: z.enum(['pass', 'fail', 'warn', 'not-applicable', 'inconclusive']), required: z.boolean(), accepted: z.literal(true).optional() }),
  ),
});

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Which algorithm a key is for: P-256 → ES256, Ed25519 → EdDSA; anything else is refused. */
function algorithmOf(key: KeyObject, where: string): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    throw new KeyProblem(`${where}: an EC key on ${curve ?? 'an unknown curve'}; golive signs with ES256 (P-256) or EdDSA (Ed25519)`);
  }
  throw new KeyProblem(`${where}: ${type ? `an ${type.toUpperCase()} key` : 'not an asymmetric key'}; golive signs with ES256 (P-256) or EdDSA (Ed25519)`);
}

/** Reads a key file's text: a JWK (JSON) or PEM. */
async function keyText(file: string): Promise<{ jwk?: JWK; pem?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyProblem(`key file ${file} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'error'})`}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return { jwk: JSON.parse(trimmed) as JWK };
    } catch {
      throw new KeyProblem(`key file ${file} looks like JSON but is not valid JSON (expected a JWK)`);
    }
  }
  if (!trimmed.includes('-----BEGIN ')) throw new KeyProblem(`key file ${file} is neither PEM nor a JWK`);
  return { pem: trimmed };
}

async function thumbprint(publicKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK);
}

/** The private key of `certify --sign FILE`: PEM (PKCS #8 or SEC1) or a private JWK. */
export async function loadSigningKey(file: string): Promise<LoadedKey> {
  const { jwk, pem } = await keyText(file);
  if (jwk && typeof jwk.d !== 'string') throw new KeyProblem(`key file ${file} holds a public JWK; --sign needs the private key`);
  if (pem && /-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(pem)) throw new KeyProblem(`key file ${file} holds a public key; --sign needs the private key`);
  let key: KeyObject;
  try {
    key = jwk ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPrivateKey(pem!);
  } catch {
    // Node's message is not shown: it adds nothing a user can act on, and nothing of the key may reach a log.
    throw new KeyProblem(`key file ${file} is not a private key golive can read (PEM PKCS #8 or SEC1, or a JWK)`);
  }
  const alg = algorithmOf(key, `key file ${file}`);
  return { alg, key, kid: await thumbprint(createPublicKey(key)) };
}

/** The public key of `golive verify --key FILE`: PEM (SPKI or an X.509 certificate) or a public JWK; a private key also works (its public half is used). */
export async function loadVerifyKey(file: string): Promise<LoadedKey> {
  const { jwk, pem } = await keyText(file);
  let key: KeyObject;
  try {
    if (jwk) {
      const { d: _private, ...pub } = jwk;
      key = createPublicKey({ key: pub as never, format: 'jwk' });
    } else {
      key = createPublicKey(pem!);
    }
  } catch {
    throw new KeyProblem(`key file ${file} is not a public key golive can read (PEM SPKI or certificate, or a JWK)`);
  }
  const alg = algorithmOf(key, `key file ${file}`);
  return { alg, key, kid: await thumbprint(key) };
}

/** Runs git in `dir`; `null` when git is missing, fails, or `dir` is not inside a repository. */
function git(dir: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, ...args], { timeout: 10_000, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/**
 * The commit checked out in `dir` and whether tracked files differ from it (untracked files,
 * such as the report folder, do not count); `null` when `dir` is not in a git repository or git
 * is not installed.
 */
export async function gitState(dir: string): Promise<GitState | null> {
  const commit = (await git(dir, ['rev-parse', '--verify', 'HEAD']))?.trim();
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=no']);
  if (status === null) return null;
  return { commit, dirty: status.trim() !== '' };
}

export interface CertificateInput {
  report: Report;
  /** report.json's exact bytes, as written. */
  reportBytes: Uint8Array;
  /** Its file name beside the certificate. */
  reportFile?: string;
  profile: string;
  git: GitState | null;
  config: { file: string; bytes: Uint8Array } | null;
  /** Injected clock (tests). */
  now?: Date;
}

/** The payload `signCertificate` signs. */
export function certificatePayload(input: CertificateInput): CertificatePayload {
  const { report } = input;
  return {
    typ: 'golive-certificate',
    iat: Math.floor((input.now ?? new Date()).getTime() / 1000),
    certified: report.certified,
    golive: { version: report.tool.version },
    profile: input.profile,
    report: { file: input.reportFile ?? 'report.json', sha256: sha256(input.reportBytes) },
    integration: {
      command: report.integration.command,
      git: input.git,
      config: input.config ? { file: input.config.file, sha256: sha256(input.config.bytes) } : null,
    },
    checks: report.checks.map((c) => ({ id: c.id, verdict: c.verdict, required: c.required, ...(c.accepted ? { accepted: true as const } : {}) })),
  };
}

/** The compact JWS of a certificate, signed with `key`. */
export async function signCertificate(input: CertificateInput, key: LoadedKey): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(certificatePayload(input)));
  return new CompactSign(payload).setProtectedHeader({ alg: key.alg, typ: CERTIFICATE_TYPE, kid: key.kid }).sign(key.key);
}

export type Verification =
  | { valid: true; certified: boolean; payload: CertificatePayload; problem?: string }
  | { valid: false; problem: string; payload?: CertificatePayload };

/** Parses `30d`, `12h`, `90m`, `3600s` or plain seconds into seconds; `null` when it is none of them. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? 's').toLowerCase() as 's'];
  return Number(m[1]) * unit;
}

export interface VerifyOptions {
  /** Reject a certificate signed longer ago than this many seconds. */
  maxAgeSeconds?: number;
  /** Injected clock (tests). */
  now?: Date;
}

/** The `alg` of a compact JWS's header; `undefined` when it has none to read (compactVerify then says why). */
function headerAlg(jws: string): string | undefined {
  try {
    return decodeProtectedHeader(jws).alg;
  } catch {
    return undefined;
  }
}

/**
 * Checks a certificate: the signature with `key` (ES256 or EdDSA only), its payload's shape,
 * that `reportBytes` are the report it signed, and its age. `valid` with `certified` tells
 * whether the signed report certifies; any failure is `valid: false` with the reason.
 */
export async function verifyCertificate(jws: string, reportBytes: Uint8Array, key: LoadedKey, options: VerifyOptions = {}): Promise<Verification> {
  let raw: Uint8Array;
  try {
    // A key of the other algorithm than the certificate's is told apart before WebCrypto sees
    // it: Node 20 throws a TypeError for it, Node 24 a DOMException.
    const alg = headerAlg(jws.trim());
    if (alg !== undefined && (ALGORITHMS as string[]).includes(alg) && alg !== key.alg) return { valid: false, problem: `the key does not fit the certificate (${key.alg} key, ${alg} certificate)` };
    const result = await compactVerify(jws.trim(), key.key, { algorithms: ALGORITHMS });
    if (result.protectedHeader.typ !== CERTIFICATE_TYPE) return { valid: false, problem: `not a golive certificate (typ ${JSON.stringify(result.protectedHeader.typ ?? null)})` };
    raw = result.payload;
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) return { valid: false, problem: 'the signature does not verify with this key (a different key signed it, or the certificate was changed)' };
    if (err instanceof errors.JOSEAlgNotAllowed) return { valid: false, problem: 'signed with an algorithm golive does not accept (only ES256 and EdDSA)' };
    if (err instanceof errors.JWSInvalid) return { valid: false, problem: `not a compact JWS (${err.message})` };
    // A key of the other algorithm than the certificate's (jose: "Invalid key for this operation").
    if (err instanceof TypeError || err instanceof errors.JOSEError || (err instanceof Error && err.name === 'DataError')) return { valid: false, problem: `the key does not fit the certificate (${key.alg} key)` };
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return { valid: false, problem: 'its payload is not JSON' };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return { valid: false, problem: `its payload is not a golive certificate (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message})` };
  const payload = parsed.data as CertificatePayload;
  const digest = sha256(reportBytes);
  if (digest !== payload.report.sha256) {
    return { valid: false, payload, problem: `the report is not the one signed (its SHA-256 is ${digest.slice(0, 12)}…, the certificate's ${payload.report.sha256.slice(0, 12)}…)` };
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (options.maxAgeSeconds !== undefined && now - payload.iat > options.maxAgeSeconds) {
    return { valid: false, payload, problem: `signed ${new Date(payload.iat * 1000).toISOString()}, longer ago than --max-age allows (${formatAge(now - payload.iat)} > ${formatAge(options.maxAgeSeconds)})` };
  }
  return { valid: true, certified: payload.certified, payload };
}

/** `3d 4h`, `12m`… */
function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d${h ? ` ${h}h` : ''}`;
  if (h > 0) return `${h}h${m ? ` ${m}m` : ''}`;
  return m > 0 ? `${m}m` : `${Math.max(0, Math.round(seconds))}s`;
}

/** What a valid certificate vouches for, a few lines for the terminal. */
export function describeCertificate(payload: CertificatePayload): string[] {
  const count = (v: Verdict) => payload.checks.filter((c) => c.verdict === v).length;
  const accepted = payload.checks.filter((c) => c.accepted).length;
  const g = payload.integration.git;
  const cfg = payload.integration.config;
  return [
    `integration: ${payload.integration.command.join(' ') || '(no command)'}`,
    `  git: ${g ? `${g.commit}${g.dirty ? ' (with uncommitted changes)' : ' (clean)'}` : 'not a git repository'}`,
    `  config: ${cfg ? `${cfg.file} (sha256 ${cfg.sha256.slice(0, 12)}…)` : 'none'}`,
    `golive ${payload.golive.version}, profile ${payload.profile}, signed ${new Date(payload.iat * 1000).toISOString()}`,
    `report: ${payload.report.file} (sha256 ${payload.report.sha256})`,
    `checks: ${payload.checks.length}: ${count('pass')} pass, ${count('fail')} fail, ${count('warn')} warn, ${count('inconclusive')} inconclusive, ${count('not-applicable')} not applicable${accepted ? `; ${accepted} accepted by a baseline` : ''}`,
    ...payload.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'not-applicable').map((c) => `  ${c.verdict}${c.accepted ? ' (accepted)' : ''}: ${c.id}${c.required ? '' : ' (advisory)'}`),
    payload.certified ? 'CERTIFIED' : 'NOT CERTIFIED',
  ];
}
