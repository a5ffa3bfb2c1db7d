import { randomBytes } from 'node:crypto';
import { GoliveError } from '../../errors.ts';
import { type AuthHeader, authHeader } from './auth-header.ts';
import { keyFor } from './signature.ts';
import { HEADER_VALUE, type RegisteredSubscription } from './subscriptions.ts';

/**
 * A deliberate authentication mistake: no auth header, a wrong secret in the same place, or the
 * secret of another tenant (which the receiver must not accept for this one); for a signed
 * subscription, no signature, one made with a wrong secret, or a valid signature of another
 * body (the body changed after signing). `other-tenant` signs with the other tenant's secret
 * when the subscription is signed and has no auth.
 */
export type Probe = 'no-auth' | 'wrong-token' | 'other-tenant' | 'no-signature' | 'wrong-signature' | 'tampered-body';

/** The probes of a subscription that authenticates with a header, and of one that is signed instead. */
export const AUTH_PROBES: readonly Probe[] = ['no-auth', 'wrong-token', 'other-tenant'];
export const SIGNATURE_PROBES: readonly Probe[] = ['no-signature', 'wrong-signature', 'tampered-body', 'other-tenant'];

/**
 * How a send signs, when not as the subscription does: `null` unsigned, else with `key` over
 * `body` (the body sent when absent).
 */
export type SignOverride = { key: Buffer; body?: Buffer } | null;

/** What a probe sends instead of the subscription's auth and signature. */
export interface ProbeSend {
  auth: AuthHeader | null;
  /** Absent: signed as the subscription is (or not at all when it is not signed). */
  sign?: SignOverride;
}

const SIGNING_PROBES = new Set<Probe>(['no-signature', 'wrong-signature', 'tampered-body']);

/**
 * What probe `probe` sends on `sub`: its auth header (see `probeAuth`), or its signature.
 * `signedBody` is the body a `tampered-body` probe's signature is made over (the real event's,
 * while another body is sent). Throws `GOLIVE_ERR_BAD_REQUEST` for a probe it cannot make.
 */
export function probeSend(sub: RegisteredSubscription, probe: Probe, otherTenantToken: string | undefined, signedBody: Buffer | undefined): ProbeSend {
  const signing = sub.signing;
  const base: ProbeSend = { auth: sub.auth ? authHeader(sub.auth) : null };
  const onSignature = SIGNING_PROBES.has(probe) || (probe === 'other-tenant' && signing !== undefined && sub.auth === undefined);
  if (!onSignature) return { auth: probeAuth(sub, probe, otherTenantToken) };
  if (!signing) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `probe: subscription ${sub.id} is not signed, so ${probe} cannot be sent`);
  if (probe === 'no-signature') return { ...base, sign: null };
  if (probe === 'wrong-signature') return { ...base, sign: { key: keyFor(signing, wrongLike(signing.secret)) } };
  if (probe === 'tampered-body') {
    if (!signedBody) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'signedAs: required for the tampered-body probe (the event whose body is signed)');
    return { ...base, sign: { key: keyFor(signing, signing.secret), body: signedBody } };
  }
  if (!otherTenantToken) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', 'otherTenantToken: required for the other-tenant probe');
  return { ...base, sign: { key: keyFor(signing, otherTenantToken) } };
}

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
    throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `probe: expected one of ${[...AUTH_PROBES, ...SIGNATURE_PROBES.filter((p) => p !== 'other-tenant')].join(', ')}`);
  }
  if (auth.type === 'bearer') return authHeader({ type: 'bearer', token: secret });
  if (auth.type === 'basic') return authHeader({ type: 'basic', username: auth.username, password: secret });
  return authHeader({ type: 'header', name: auth.name, value: secret });
}
