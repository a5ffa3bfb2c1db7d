/**
 * Bearer JWTs (RFC 6750): `Authorization: Bearer <jwt>`, signed by the environment's
 * `TokenService`. A token names its API user (`sub`) and the generation of revocation it
 * was issued in (`gen`); the user is looked up on every request, so deactivation and role
 * changes apply at once. A token may carry scopes narrower than its user's roles, be of
 * another kind than the platform's main one (a customer's ID token, which speaks for a
 * `subject`), and be revoked on its own; an endpoint takes one kind only.
 */
import type { ApiUserRecord } from './api-users.ts';
import { type Admission, type AuthEntry, type CredentialScheme, type CredentialTarget, type Refusal, type SchemeParts, inactive } from './scheme.ts';
import { type TokenClaims, type VerifyFailure, type VerifyResult, peekClaims } from './tokens.ts';

export interface BearerJwtOptions {
  /** The body of every 401 (Laravel's `{"message":"Unauthenticated."}`); none by default. */
  refusalBody?: unknown;
}

type Refuse = (reason: VerifyFailure | null, expClaim?: number) => Refusal;

function refusals(options: BearerJwtOptions): Refuse {
  const body = options.refusalBody === undefined ? {} : { body: options.refusalBody };
  const missing: Refusal = { status: 401, headers: { 'www-authenticate': 'Bearer' }, ...body };
  return (reason, expClaim) => {
    if (reason === null) return missing;
    const description =
      reason === 'expired' && expClaim
        ? `, error_description="The token expired at '${new Date(expClaim * 1000).toUTCString()}'"`
        : '';
    return { status: 401, headers: { 'www-authenticate': `Bearer error="invalid_token"${description}` }, ...body };
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The last header read, and its token: a client sends the same header request after request. */
let lastHeader = '';
let lastToken: string | undefined;

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // Equal text, equal answer: the regular expression over a 500-character header is skipped.
  if (header !== lastHeader) {
    lastToken = BEARER.exec(header)?.[1];
    lastHeader = header;
  }
  return lastToken;
}

/** Journals what the token says and looks its API user up. */
function admit(parts: SchemeParts, token: string, result: VerifyResult, entry: AuthEntry, target: CredentialTarget, invalid: Refuse): Admission {
  entry.tokenFingerprint = result.print.fingerprint;
  entry.tokenMasked = result.print.masked;
  const claims = result.ok ? result.claims : (result.claims ?? peekClaims(token));
  entry.tokenId = typeof claims?.jti === 'string' ? claims.jti : null;
  entry.apiUser = typeof claims?.sub === 'string' ? claims.sub : null;
  if (!result.ok) {
    entry.tokenExpired = result.reason === 'expired';
    entry.denied = `token ${result.reason}`;
    return invalid(result.reason, typeof claims?.exp === 'number' ? claims.exp : undefined);
  }
  const user = parts.users.get(result.claims.sub);
  const refusal = refuse(user, result.claims, parts, target);
  if (refusal || !user) {
    entry.denied = refusal ?? 'unknown API user';
    return invalid('claims');
  }
  const { scope, kind, subject } = result.claims;
  // The main kind without scopes is the common case: the user itself, no new object.
  if (!scope && kind === undefined) return user;
  return { user, granted: scope ?? user.roles, subject: subject ?? null, bounded: kind === undefined };
}

function refuse(user: ApiUserRecord | undefined, claims: TokenClaims, parts: SchemeParts, target: CredentialTarget): string | null {
  const why = inactive(user);
  if (why) return why;
  if (claims.gen < user!.tokenGeneration || parts.tokens.isRevoked(claims.jti)) return 'token revoked';
  if (claims.kind !== target.credential) return `${claims.kind ?? 'API'} token where ${target.credential ?? 'an API'} token is taken`;
  return null;
}

/**
 * The scheme of platforms that issue their own JWTs from a token endpoint.
 *
 * @example
 * const scheme = bearerJwt({ refusalBody: { message: 'Unauthenticated.' } });
 */
export function bearerJwt(options: BearerJwtOptions = {}): CredentialScheme {
  const invalid = refusals(options);
  return {
    name: 'bearer-jwt',
    header: 'authorization',
    authenticate(headers, parts, entry, target) {
      const token = bearerOf(headers.authorization);
      if (!token) {
        entry.denied = headers.authorization ? 'malformed Authorization header' : 'no bearer token';
        return invalid(null);
      }
      const verifying = parts.tokens.verify(token);
      return verifying instanceof Promise
        ? verifying.then((result) => admit(parts, token, result, entry, target, invalid))
        : admit(parts, token, verifying, entry, target, invalid);
    },
  };
}

/** Omnium's: an empty 401 body. */
export const bearerJwtScheme: CredentialScheme = bearerJwt();
