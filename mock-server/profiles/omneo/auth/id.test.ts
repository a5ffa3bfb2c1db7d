import { describe, expect, it } from 'vitest';
import { validSignature } from './id.ts';

// Known HMAC-SHA256 vectors, not computed here: RFC 4231 test case 2, and the example of
// HMAC's Wikipedia article. Shopify's Liquid `hmac_sha256` gives the same lowercase hex.
const RFC_4231_CASE_2 = { key: 'Jefe', message: 'what do ya want for nothing?', hex: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' };
const WIKIPEDIA = { key: 'key', message: 'The quick brown fox jumps over the lazy dog', hex: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8' };

describe("the Shopify page's signature of a customer id", () => {
  it('accepts the hex HMAC-SHA256 of the id keyed with the id secret (known vectors), in either case', () => {
    for (const v of [RFC_4231_CASE_2, WIKIPEDIA]) {
      expect(validSignature(v.message, v.hex, v.key)).toBe(true);
      expect(validSignature(v.message, v.hex.toUpperCase(), v.key)).toBe(true);
    }
  });

  it('refuses a wrong signature, one of the wrong length, another customer’s, an empty one, and one made with another key', () => {
    const { key, message, hex } = WIKIPEDIA;
    const flipped = `${hex.slice(0, -1)}${hex.endsWith('8') ? '9' : '8'}`;
    expect(validSignature(message, flipped, key)).toBe(false);
    expect(validSignature(message, hex.slice(0, 63), key)).toBe(false);
    expect(validSignature(message, `${hex}0`, key)).toBe(false);
    expect(validSignature(message, hex.slice(0, 32), key)).toBe(false);
    expect(validSignature(message, '', key)).toBe(false);
    // RFC 4231's signature is a valid one, of another message under another key.
    expect(validSignature(message, RFC_4231_CASE_2.hex, key)).toBe(false);
    expect(validSignature(RFC_4231_CASE_2.message, hex, key)).toBe(false);
    expect(validSignature(message, hex, 'another-key')).toBe(false);
    // Not hex at all, though 64 characters long.
    expect(validSignature(message, 'z'.repeat(64), key)).toBe(false);
  });
});
