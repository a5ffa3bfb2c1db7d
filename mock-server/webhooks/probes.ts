import { randomBytes } from 'node:crypto';
import { GoliveError } from '../../errors.ts';
import { type AuthHeader, authHeader } from './auth-header.ts';
import { HEADER_VALUE, type RegisteredSubscription } from './subscriptions.ts';

/**
 * A deliberate authentication mistake: no auth header, a wrong secret in the same place, or the
 * secret of another tenant (which the receiver must not accept for this one).
 */
export type Probe = 'no-auth' | 'wrong-token' | 'other-tenant';

/** A random secret of the same length, so a receiver cannot tell it apart by its size. */
function wrongLike(secret: string): string {
  let s: string;
  do s = randomBytes(Math.ceil((secret.length * 3) / 4) + 3).toString('base64url').slice(0, Math.max(secret.length, 1));
  while (s === secret);
  return s;
}

/**
 * The auth header a probe sends instead of the subscription's: `null` for `no-auth` (custom
 * headers still go, so an API key meant to be probed belongs in `auth`), else the wrong or the
 * other tenant's secret in the subscription's own scheme and place, so only the secret differs.
 * Throws `GOLIVE_ERR_BAD_REQUEST` for a probe it cannot make.
 *
 * @example
 * probeAuth(sub, 'other-tenant', tenantB.token); // { name: 'authorization', value: 'Bearer <tenant B's token>', … }
 */
export function probeAuth(sub: RegisteredSubscription, probe: Probe, otherTenantToken: string | undefined): AuthHeader | null {
  if (probe === 'no-auth') return null;
  const auth = sub.auth;
  if (!auth) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `probe: subscription ${sub.id} has no auth to replace`);
  let secret: string;
  if (probe === 'wrong-token') {
    secret = wrongLike(auth.type === 'bearer' ? auth.token : auth.type === 'basic' ? auth.password : auth.value);
  } else if (probe === 'other-tenant') {
    if (!otherTenantToken) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'otherTenantToken: required for the other-tenant probe');
    // Refused here so the caller hears why; Node would refuse the header and the probe would be
    // recorded as a failed send that says nothing about the receiver.
    if (!HEADER_VALUE.test(otherTenantToken)) {
      throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'otherTenantToken: may not contain CR, LF, NUL, control characters or characters beyond U+00FF');
    }
    secret = otherTenantToken;
  } else {
    throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'probe: expected no-auth, wrong-token or other-tenant');
  }
  if (auth.type === 'bearer') return authHeader({ type: 'bearer', token: secret });
  if (auth.type === 'basic') return authHeader({ type: 'basic', username: auth.username, password: secret });
  return authHeader({ type: 'header', name: auth.name, value: secret });
}
