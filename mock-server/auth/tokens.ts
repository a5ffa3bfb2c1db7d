import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { fingerprint, mask } from '../secrets.ts';
import type { ApiUserRecord, EnvironmentName } from './api-users.ts';

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
  /** HS256 key; random per environment when absent, so a token from one is 401 in another. */
  secret?: Uint8Array;
  /** Verified tokens kept in the cache (default 10,000). */
  cacheSize?: number;
  /** The longest lifetime a token may claim (default 30 days): a platform with long-lived API tokens raises it. */
  maxLifetimeSeconds?: number;
}

const TIMES_OK = { ok: true } as const;

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

  constructor(readonly options: TokenServiceOptions) {
    const platform = options.platform ?? 'platform';
    this.issuer = `https://api${options.environment === 'test' ? 'test' : ''}.${platform}.golive.local/${options.tenant}`;
    this.audience = `${platform}-api:${options.tenant}:${options.environment}`;
    this.#secret = options.secret ?? randomBytes(32);
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
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .sign(this.#secret);
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
    const print = { fingerprint: fingerprint(token), masked: mask(token) };
    try {
      const { payload } = await jwtVerify<TokenClaims>(token, this.#secret, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'jti', 'tenant', 'env', 'gen'],
        maxTokenAge: this.options.maxLifetimeSeconds ?? MAX_TOKEN_AGE_SECONDS,
        currentDate: new Date(this.#now()),
      });
      if (payload.tenant !== this.options.tenant || payload.env !== this.options.environment) {
        return { ok: false, reason: 'wrong-issuer', claims: payload, print };
      }
      if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
      const valid: VerifyResult = { ok: true, claims: payload, print };
      this.#cache.set(signatureOf(token), { token, claims: payload, print, valid });
      return valid;
    } catch (err) {
      return { ...failure(err), print };
    }
  }

  #checkTimes(claims: TokenClaims): typeof TIMES_OK | { ok: false; reason: VerifyFailure; claims: TokenClaims } {
    const now = this.#now() / 1000;
    if (now >= claims.exp) return { ok: false, reason: 'expired', claims };
    if (now < claims.nbf) return { ok: false, reason: 'not-yet-valid', claims };
    return TIMES_OK;
  }
}

function failure(err: unknown): { ok: false; reason: VerifyFailure; claims?: Partial<TokenClaims> } {
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', claims: err.payload as Partial<TokenClaims> };
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
