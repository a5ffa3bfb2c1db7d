import { mask } from '../secrets.ts';
import type { WebhookAuth } from './subscriptions.ts';

/** An auth header as it goes on the wire, and as the delivery log shows it. */
export interface AuthHeader {
  /** Lower case, as Node sends header names. */
  readonly name: string;
  readonly value: string;
  /** Masked for the log (`Bearer eyJh…Q2x8`); the full secret is never recorded. */
  readonly shown: string;
}

/**
 * The header a subscription's auth becomes. Built once per subscription (and once per probe), so
 * a delivery only copies a reference.
 *
 * @example
 * authHeader({ type: 'bearer', token: 'eyJhbGciOiJSUzI1NiJ9.e30.Q2x8' });
 * // { name: 'authorization', value: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.Q2x8', shown: 'Bearer eyJh…Q2x8' }
 */
export function authHeader(auth: WebhookAuth): AuthHeader {
  if (auth.type === 'bearer') return { name: 'authorization', value: `Bearer ${auth.token}`, shown: `Bearer ${mask(auth.token)}` };
  if (auth.type === 'basic') {
    const b64 = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
    return { name: 'authorization', value: `Basic ${b64}`, shown: `Basic ${mask(b64)}` };
  }
  return { name: auth.name.toLowerCase(), value: auth.value, shown: `${auth.name}: ${mask(auth.value)}` };
}
