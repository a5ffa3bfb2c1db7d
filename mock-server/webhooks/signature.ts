import { createHmac } from 'node:crypto';
import type { WebhookSigning } from './subscriptions.ts';

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

/**
 * The lowercase hex HMAC-SHA256 of the raw body: what Shopify-style signatures carry (Omneo's
 * `X-Omneo-Hmac-SHA256`, PHP's `hash_hmac('sha256', $body, $secret)`).
 *
 * @example
 * hexBodySignature(Buffer.from('key'), 'The quick brown fox jumps over the lazy dog');
 * // 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
 */
export function hexBodySignature(key: Buffer, body: string | Buffer): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

/** A subscription's signing, compiled once: the key bytes, and the header a body signature goes in. */
export type CompiledSigning = { type: 'standard-webhooks'; key: Buffer } | { type: 'hmac-sha256-hex'; header: string; key: Buffer };

export function compileSigning(signing: WebhookSigning): CompiledSigning {
  return signing.type === 'standard-webhooks'
    ? { type: signing.type, key: signingKey(signing.secret) }
    : { type: signing.type, header: signing.header.toLowerCase(), key: keyFor(signing, signing.secret) };
}

/** The key bytes of a secret in this signing's scheme (another tenant's secret is read the same way). */
export function keyFor(signing: WebhookSigning | CompiledSigning, secret: string): Buffer {
  return signing.type === 'standard-webhooks' ? signingKey(secret) : Buffer.from(secret, 'utf8');
}

/**
 * The signature headers of one send: the subscription's signing with `key`, over `signedBody`
 * (the body sent, unless a probe signs one body and sends another).
 */
export function signatureHeaders(signing: CompiledSigning, key: Buffer, eventId: string, nowMs: number, signedBody: Buffer): Record<string, string> {
  if (signing.type === 'hmac-sha256-hex') return { [signing.header]: hexBodySignature(key, signedBody) };
  const timestamp = Math.floor(nowMs / 1000);
  return { 'webhook-id': eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(key, eventId, timestamp, signedBody) };
}
