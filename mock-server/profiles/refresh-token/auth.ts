/**
 * The backup platform's credentials (seed 004): a long-lived API token, which is in fact a
 * refresh token, is exchanged at `POST /auth/token` for a short-lived access token (a JWT of
 * the engine's token service); both travel as `Authorization: Bearer`. The API token is an API
 * user's secret (rotated with an overlap window, revoked by deactivating its user); the access
 * token carries the permissions and the fingerprint of the API token it was made with, and is
 * refused once that API token no longer works.
 */
import { bearerJwt } from '../../auth/bearer-jwt.ts';
import type { ApiUserRecord } from '../../auth/api-users.ts';
import { type Admission, type CredentialScheme, type Grant, type Refusal, inactive, isGrant, refused } from '../../auth/scheme.ts';
import type { VerifyResult } from '../../auth/tokens.ts';
import { printOf } from '../../secrets.ts';

/** The credential the token endpoint takes (`Endpoint.credential`). */
export const API_TOKEN = 'api-token';

/** The access token's claim naming the API token it was made with (its fingerprint). */
export const API_TOKEN_CLAIM = 'atf';

export const UNAUTHORIZED_BODY = { error: 'unauthorized' };

const refusal = (error: 'missing' | 'invalid'): Refusal => ({
  status: 401,
  headers: { 'www-authenticate': error === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"' },
  body: UNAUTHORIZED_BODY,
});

/** The bearer credential of an `Authorization` header, if it has one. */
export function bearerOf(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/** API tokens at the token endpoint, access tokens everywhere else. */
export function apiTokenScheme(): CredentialScheme {
  const access = bearerJwt({ refusalBody: UNAUTHORIZED_BODY });
  return {
    name: 'bearer-jwt',
    header: 'authorization',
    authenticate(headers, parts, entry, target) {
      const presented = bearerOf(headers.authorization);
      if (!presented) {
        entry.denied = headers.authorization ? 'malformed Authorization header' : `no bearer ${target.credential === API_TOKEN ? 'API token' : 'access token'}`;
        return refusal(headers.authorization ? 'invalid' : 'missing');
      }
      const match = parts.users.match(presented);
      if (target.credential === API_TOKEN || match) {
        const print = printOf(presented);
        entry.tokenFingerprint = print.fingerprint;
        entry.tokenMasked = print.masked;
        entry.apiUser = match?.user.clientId ?? null;
        if (target.credential !== API_TOKEN) {
          entry.denied = 'API token where an access token is taken (exchange it at POST /auth/token)';
          return refusal('invalid');
        }
        if (!match) {
          entry.denied = 'unknown API token';
          return refusal('invalid');
        }
        if (match.which === 'retired') {
          entry.denied = `API token retired by a rotation (its overlap window closed at ${new Date(match.until).toISOString()})`;
          return refusal('invalid');
        }
        const why = inactive(match.user);
        if (why) {
          entry.denied = why === 'API user deactivated' ? 'API token revoked (its API user is deactivated)' : why;
          return refusal('invalid');
        }
        return match.user;
      }
      const admitted = access.authenticate(headers, parts, entry, target);
      // An access token stands only while the API token it was made with works.
      const stillBacked = (admission: ApiUserRecord | Grant, verified: VerifyResult): Admission => {
        const user = isGrant(admission) ? admission.user : admission;
        const madeWith = verified.ok ? verified.claims[API_TOKEN_CLAIM] : undefined;
        if (typeof madeWith !== 'string' || !parts.users.secretWorks(user, madeWith)) {
          entry.denied = 'token revoked (the API token it was made with no longer works)';
          return refusal('invalid');
        }
        return admission;
      };
      const made = (a: Admission): Admission | Promise<Admission> => {
        if (refused(a)) return a;
        // Verified a moment ago: from the token service's cache, synchronously.
        const verified = parts.tokens.verify(presented);
        return verified instanceof Promise ? verified.then((v) => stillBacked(a, v)) : stillBacked(a, verified);
      };
      return admitted instanceof Promise ? admitted.then(made) : made(admitted);
    },
  };
}
