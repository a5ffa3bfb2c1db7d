import { createHmac } from 'node:crypto';

const WHSEC = 'whsec_';

/**
 * The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`, or the UTF-8 bytes of
 * a secret without that prefix.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(WHSEC) ? Buffer.from(secret.slice(WHSEC.length), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * The `webhook-signature` value of the Standard Webhooks spec (standardwebhooks.com):
 * `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
 *
 * @example
 * sign(signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string | Buffer): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`;
}
