/**
 * How the mock shows a secret without giving it away: masked for people (API user views, the
 * journal, webhook logs, the harness's output) and fingerprinted to tell secrets apart.
 */
import { hash } from 'node:crypto';

/** `eyJh…Q2x8`: at most 4 characters at each end, fewer for short values. */
export function mask(secret: string): string {
  if (secret.length >= 16) return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
  if (secret.length >= 8) return `${secret.slice(0, 2)}…${secret.slice(-2)}`;
  return '…';
}

/** A secret's fingerprint and masked form, as the journal shows a credential. */
export interface SecretPrint {
  fingerprint: string;
  masked: string;
}

let lastSecret: string | undefined;
let lastPrint: SecretPrint = { fingerprint: '', masked: '' };

/**
 * `fingerprint` and `mask` of `secret`, the last one remembered: a client sends the same key
 * request after request, so its hash is taken once and its journal entries share two strings
 * (new ones for each request were some 70 bytes an entry, kept by the journal).
 */
export function printOf(secret: string): SecretPrint {
  if (secret !== lastSecret) {
    lastPrint = { fingerprint: fingerprint(secret), masked: mask(secret) };
    lastSecret = secret;
  }
  return lastPrint;
}

/** A short, stable fingerprint of a secret: the first 16 hex chars of its sha256. */
export function fingerprint(secret: string): string {
  // crypto.hash: one call, no Hash object (a token request takes several). Sixteen hex chars
  // written from the digest's first 8 bytes, not sliced from its 64: V8 keeps a slice as a view
  // that holds its whole parent, 112 bytes a fingerprint where 32 do (a journal entry keeps one).
  return hash('sha256', secret, 'buffer').toString('hex', 0, 8);
}
