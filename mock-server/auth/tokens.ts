import { createHmac, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { GoliveError } from '../../errors.ts';
import { fingerprint, mask } from '../secrets.ts';
import { duplicateKey } from './json-keys.ts';
import type { ApiUserRecord, EnvironmentName } from './api-users.ts';

/**
 * jose, loaded with the first token verified (it verifies; tokens are signed with node:crypto):
 * `golive serve` reaches its JSON line without its 48 modules.
 */
let jose: Promise<typeof import('jose')> | undefined;
const loadJose = (): Promise<typeof import('jose')> => (jose ??= import('jose'));

/** The claims golive's tokens carry. Omnium's claim names are unconfirmed; clients only read `exp`. */
export interface TokenClaims extends JWTPayload {
  sub: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  tenant: string;
  env: EnvironmentName;
  role: string[];
  /** Revocation generation of the user when issued. */
  gen: number;
  /** The permissions the token carries, when narrower than its user's (OAuth scopes); absent: the user's, as they stand. */
  scope?: string[];
  /** Which kind of credential it is, when the platform has several (Omneo: `id`, a customer's); absent: the main one. */
  kind?: string;
  /** The customer the token speaks for (a `kind` of token that has one). */
  subject?: string;
}

/** How a token differs from the default: its user's roles, the user's lifetime, the main kind. */
export interface IssueOptions {
  scope?: readonly string[];
  kind?: string;
  subject?: string;
  lifetimeSeconds?: number;
  /** Further claims in the platform's own names (Omneo's ID token: `pid`); golive's own claims win. */
  claims?: Readonly<Record<string, string | number>>;
}

export type VerifyFailure = 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'claims';

/** How the journal shows a token: never in full. */
export interface TokenPrint {
  fingerprint: string;
  masked: string;
}

export type VerifyResult = (
  | { ok: true; claims: TokenClaims }
  /** `claims` is present when the signature was good but a time or audience check failed. */
  | { ok: false; reason: VerifyFailure; claims?: Partial<TokenClaims> }
) & { print: TokenPrint };

export interface TokenServiceOptions {
  /** The platform's name (the profile's), in the issuer and audience: `omnium`. */
  platform?: string;
  tenant: string;
  environment: EnvironmentName;
  /** Milliseconds since the epoch; the mock's clock. */
  now: () => number;
  /**
   * HS256 key, at least 32 bytes (RFC 8725 §3.5: as long as the hash); random per environment
   * when absent, so a token from one is 401 in another. Tests pass one to sign tokens as this
   * service would (`createMockServer({ signingKey })`): the claim checks then decide alone.
   */
  secret?: Uint8Array;
  /** Verified tokens kept in the cache (default 10,000). */
  cacheSize?: number;
  /** The longest lifetime a token may claim (default 30 days): a platform with long-lived API tokens raises it. */
  maxLifetimeSeconds?: number;
}

const TIMES_OK = { ok: true } as const;

/** The shortest key accepted: HS256's hash length (RFC 8725 §3.5, RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32;

/** The one protected header golive issues, and what verification takes: anything else in a header (`kid`, `jku`, `jwk`, `x5u`, `x5c`, `crit`, `b64`…) is refused. */
const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const HEADER_NAMES: ReadonlySet<string> = new Set(Object.keys(HEADER));
/** The first segment of every token issued: HEADER as jose's SignJWT writes it. */
const HEADER_SEGMENT = Buffer.from(JSON.stringify(HEADER)).toString('base64url');

/** A base64url segment without padding (RFC 7515 §2): `+`, `/`, `=` and whitespace are not in it. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The JWS signature part of a compact token (the whole string when it has no dot). */
const signatureOf = (token: string): string => token.slice(token.lastIndexOf('.') + 1);

/** The longest lifetime a token may claim (`exp - iat`) by default, whatever the user's setting. */
const MAX_TOKEN_AGE_SECONDS = 30 * 86_400;

/**
 * Issues and verifies the HS256 JWTs of one environment of one tenant. Verification is
 * strict (algorithm, signature, issuer, audience, tenant, required claims, maximum age)
 * and cached per token string; the time claims are checked against the clock on every
 * call, cached or not.
 */
export class TokenService {
  readonly issuer: string;
  readonly audience: string;
  readonly #secret: Uint8Array;
  readonly #now: () => number;
  /**
   * Verified tokens: their claims, fingerprint, and the answer given while their times hold.
   * Keyed by the signature, the last 43 characters: hashing the whole token (600 characters
   * or so) on every request cost more than the rest of a cache hit. A hit still needs the
   * whole token to be equal.
   */
  readonly #cache = new Map<string, { token: string; claims: TokenClaims; print: TokenPrint; valid: VerifyResult }>();
  readonly #cacheSize: number;
  /** Tokens revoked one by one (`jti`), besides the per-user generations. */
  readonly #revoked = new Set<string>();
  /** The key as WebCrypto holds it, imported once: jose would import a raw key again for every token verified. */
  #verifyKey: Promise<webcrypto.CryptoKey> | undefined;

  constructor(readonly options: TokenServiceOptions) {
    const platform = options.platform ?? 'platform';
    this.issuer = `https://api${options.environment === 'test' ? 'test' : ''}.${platform}.golive.local/${options.tenant}`;
    this.audience = `${platform}-api:${options.tenant}:${options.environment}`;
    if (options.secret && options.secret.byteLength < MIN_SECRET_BYTES) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `signing key: ${options.secret.byteLength} bytes, expected at least ${MIN_SECRET_BYTES} random bytes`);
    }
    this.#secret = options.secret ?? randomBytes(MIN_SECRET_BYTES);
    this.#now = options.now;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** A new token for `user`, valid for the user's current token lifetime unless `options` say otherwise. */
  async issue(user: ApiUserRecord, options: IssueOptions = {}): Promise<{ token: string; claims: TokenClaims }> {
    const iat = Math.floor(this.#now() / 1000);
    // jti first (after the platform's own claims, which the same kind of token shares): the
    // payload's first characters then differ from token to token.
    const claims: TokenClaims = {
      ...options.claims,
      jti: randomUUID(),
      sub: user.clientId,
      iat,
      nbf: iat,
      exp: iat + (options.lifetimeSeconds ?? user.tokenLifetimeSeconds),
      tenant: user.tenant,
      env: user.environment,
      role: [...user.roles],
      gen: user.tokenGeneration,
      ...(options.scope ? { scope: [...options.scope] } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.subject !== undefined ? { subject: options.subject } : {}),
    };
    // Signed here with node:crypto's HMAC, synchronously: the same compact JWS jose's SignJWT
    // writes (claims, then iss and aud), without a WebCrypto key import and job per token,
    // which was most of a token request's CPU. Verification stays with jose.
    const payload = Buffer.from(JSON.stringify({ ...claims, iss: this.issuer, aud: this.audience })).toString('base64url');
    const input = `${HEADER_SEGMENT}.${payload}`;
    const token = `${input}.${createHmac('sha256', this.#secret).update(input).digest('base64url')}`;
    return { token, claims };
  }

  /** Refuses one token from now on, by its `jti`, whoever holds it. */
  revoke(tokenId: string): void {
    this.#revoked.add(tokenId);
  }

  isRevoked(tokenId: string): boolean {
    return this.#revoked.size > 0 && this.#revoked.has(tokenId);
  }

  /** Verifies `token`; cached per token string (synchronous then), time claims always re-checked. */
  verify(token: string): VerifyResult | Promise<VerifyResult> {
    const cached = this.#cache.get(signatureOf(token));
    if (cached && cached.token === token) {
      // The hot path stays synchronous: no promise for a token seen before, and no new object
      // either while its times hold (callers only read the result).
      const times = this.#checkTimes(cached.claims);
      return times.ok ? cached.valid : { ...times, print: cached.print };
    }
    return this.#verifyFresh(token);
  }

  async #verifyFresh(token: string): Promise<VerifyResult> {
    const { jwtVerify, errors } = await loadJose();
    const print = { fingerprint: fingerprint(token), masked: mask(token) };
    // The form first, with nothing read from the claims: only then the signature, then the claims
    // (a token that is both forged and expired is refused for its signature, RFC 8725 §3.3).
    if (!wellFormed(token)) return { ok: false, reason: 'malformed', print };
    const maxLifetime = this.options.maxLifetimeSeconds ?? MAX_TOKEN_AGE_SECONDS;
    try {
      this.#verifyKey ??= webcrypto.subtle.importKey('raw', this.#secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      const { payload } = await jwtVerify<TokenClaims>(token, await this.#verifyKey, {
        algorithms: [HEADER.alg],
        typ: HEADER.typ,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'jti', 'tenant', 'env', 'gen'],
        maxTokenAge: maxLifetime,
        currentDate: new Date(this.#now()),
      });
      // Signed with this key, yet not as `issue` writes them: the wrong types, or a lifetime
      // longer than any this service gives (which would also outlive the age check once cached).
      if (!claimsTyped(payload) || payload.exp - payload.iat > maxLifetime) return { ok: false, reason: 'claims', claims: payload, print };
      if (payload.tenant !== this.options.tenant || payload.env !== this.options.environment) {
        return { ok: false, reason: 'wrong-issuer', claims: payload, print };
      }
      if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
      const valid: VerifyResult = { ok: true, claims: payload, print };
      this.#cache.set(signatureOf(token), { token, claims: payload, print, valid });
      return valid;
    } catch (err) {
      return { ...failure(err, errors), print };
    }
  }

  #checkTimes(claims: TokenClaims): typeof TIMES_OK | { ok: false; reason: VerifyFailure; claims: TokenClaims } {
    const now = this.#now() / 1000;
    if (now >= claims.exp) return { ok: false, reason: 'expired', claims };
    if (now < claims.nbf) return { ok: false, reason: 'not-yet-valid', claims };
    return TIMES_OK;
  }
}

/**
 * Whether `token` has the compact form `issue` writes: three canonical base64url segments, a
 * header that is exactly `{ alg, typ }`, and a header and claims set that are JSON objects in
 * UTF-8 with no name twice (RFC 7519 §4: reject, not last-wins, RFC 8725 §2.6).
 */
function wellFormed(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every(canonical)) return false;
  const header = jsonObject(parts[0]!);
  if (!header || Object.keys(header).some((name) => !HEADER_NAMES.has(name))) return false;
  return jsonObject(parts[1]!) !== null;
}

/**
 * Whether `segment` is base64url as the issuer writes it, and the only text for its bytes: the
 * unused low bits of its last character zero (RFC 4648 §3.5). A decoder ignores those bits, so
 * without this one signature had four spellings, each a token of its own to the cache and the journal.
 */
const canonical = (segment: string): boolean => SEGMENT.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;

/** A segment's JSON object, or `null` when it is not UTF-8, not JSON, not an object, or names a member twice. */
function jsonObject(segment: string): Record<string, unknown> | null {
  try {
    const text = strictUtf8.decode(Buffer.from(segment, 'base64url'));
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    return duplicateKey(text) === null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Whether golive's own claims have the types `issue` gives them (jose checks `exp`, `nbf`, `iat`, `iss`, `aud`). */
function claimsTyped(claims: TokenClaims): boolean {
  const c = claims as Record<string, unknown>;
  return (
    isString(c.sub) &&
    isString(c.jti) &&
    isString(c.tenant) &&
    isString(c.env) &&
    Number.isSafeInteger(c.gen) &&
    (c.gen as number) >= 0 &&
    isStrings(c.role) &&
    (c.scope === undefined || isStrings(c.scope)) &&
    (c.kind === undefined || isString(c.kind)) &&
    (c.subject === undefined || isString(c.subject))
  );
}

function failure(err: unknown, errors: typeof import('jose').errors): { ok: false; reason: VerifyFailure; claims?: Partial<TokenClaims> } {
  // jose reports an `iat` older than the maximum age as JWTExpired too: not what `exp` says, so not "expired".
  if (err instanceof errors.JWTExpired) return { ok: false, reason: err.claim === 'exp' ? 'expired' : 'claims', claims: err.payload as Partial<TokenClaims> };
  if (err instanceof errors.JWTClaimValidationFailed) {
    const reason = err.claim === 'nbf' ? 'not-yet-valid' : err.claim === 'iss' || err.claim === 'aud' ? 'wrong-issuer' : 'claims';
    return { ok: false, reason, claims: err.payload as Partial<TokenClaims> };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
    return { ok: false, reason: 'signature' };
  }
  return { ok: false, reason: 'malformed' };
}

/** Reads the claims of a token without verifying it (for the journal only: `jti`, `sub`). */
export function peekClaims(token: string): Partial<TokenClaims> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null ? (payload as Partial<TokenClaims>) : undefined;
  } catch {
    return undefined;
  }
}
