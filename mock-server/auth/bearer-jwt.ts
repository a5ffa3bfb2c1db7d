/**
 * Bearer JWTs (RFC 6750): `Authorization: Bearer <jwt>`, signed by the environment's
 * `TokenService`. A token names its API user (`sub`) and the generation of revocation it
 * was issued in (`gen`); the user is looked up on every request, so deactivation and role
 * changes apply at once.
 */
import type { ApiUserRecord } from './api-users.ts';
import { type Admission, type AuthEntry, type CredentialScheme, type Refusal, type SchemeParts, inactive } from './scheme.ts';
import { type VerifyFailure, type VerifyResult, peekClaims } from './tokens.ts';

const MISSING: Refusal = { status: 401, headers: { 'www-authenticate': 'Bearer' } };

function invalidToken(reason: VerifyFailure, expClaim: number | undefined): Refusal {
  const description =
    reason === 'expired' && expClaim
      ? `, error_description="The token expired at '${new Date(expClaim * 1000).toUTCString()}'"`
      : '';
  return { status: 401, headers: { 'www-authenticate': `Bearer error="invalid_token"${description}` } };
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Journals what the token says and looks its API user up. */
function admit(parts: SchemeParts, token: string, result: VerifyResult, entry: AuthEntry): Admission {
  entry.tokenFingerprint = result.print.fingerprint;
  entry.tokenMasked = result.print.masked;
  const claims = result.ok ? result.claims : (result.claims ?? peekClaims(token));
  entry.tokenId = typeof claims?.jti === 'string' ? claims.jti : null;
  entry.apiUser = typeof claims?.sub === 'string' ? claims.sub : null;
  if (!result.ok) {
    entry.tokenExpired = result.reason === 'expired';
    entry.denied = `token ${result.reason}`;
    return invalidToken(result.reason, typeof claims?.exp === 'number' ? claims.exp : undefined);
  }
  const user = parts.users.get(result.claims.sub);
  const refusal = refuse(user, result.claims.gen);
  if (refusal || !user) {
    entry.denied = refusal ?? 'unknown API user';
    return invalidToken('claims', undefined);
  }
  return user;
}

function refuse(user: ApiUserRecord | undefined, generation: number): string | null {
  const why = inactive(user);
  if (why) return why;
  if (generation < user!.tokenGeneration) return 'token revoked';
  return null;
}

/** The scheme of platforms that issue their own JWTs from a token endpoint (Omnium). */
export const bearerJwtScheme: CredentialScheme = {
  name: 'bearer-jwt',
  header: 'authorization',
  authenticate(headers, parts, entry) {
    const token = bearerOf(headers.authorization);
    if (!token) {
      entry.denied = headers.authorization ? 'malformed Authorization header' : 'no bearer token';
      return MISSING;
    }
    const verifying = parts.tokens.verify(token);
    return verifying instanceof Promise ? verifying.then((result) => admit(parts, token, result, entry)) : admit(parts, token, verifying, entry);
  },
};
