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

/** A short, stable fingerprint of a secret: the first 16 hex chars of its sha256. */
export function fingerprint(secret: string): string {
  // crypto.hash: one call, no Hash object (a token request takes several).
  return hash('sha256', secret, 'hex').slice(0, 16);
}
