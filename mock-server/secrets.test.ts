import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, mask, printOf } from './secrets.ts';

describe('fingerprint', () => {
  it('is the first 16 hex characters of the sha256 of the secret', () => {
    const secret = 'sk_live_0123456789abcdef';
    expect(fingerprint(secret)).toBe(createHash('sha256').update(secret).digest('hex').slice(0, 16));
  });
});

describe('printOf', () => {
  it('gives the fingerprint and masked form, the same strings for a secret sent again', () => {
    const first = printOf('key-one-0123456789');
    expect(first).toEqual({ fingerprint: fingerprint('key-one-0123456789'), masked: mask('key-one-0123456789') });
    expect(printOf('key-one-0123456789')).toBe(first);
    const other = printOf('key-two-0123456789');
    expect(other.fingerprint).not.toBe(first.fingerprint);
    expect(printOf('key-one-0123456789')).toEqual(first);
  });
});
