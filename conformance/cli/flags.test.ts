import { describe, expect, it } from 'vitest';
import { byteSizeFlag } from './flags.ts';

describe('byteSizeFlag', () => {
  it('reads bytes, and sizes with decimal or binary units', () => {
    expect(byteSizeFlag('--journal-bytes', '1048576', 1)).toBe(1_048_576);
    expect(byteSizeFlag('--journal-bytes', 4096, 1)).toBe(4096);
    expect(byteSizeFlag('--journal-bytes', '64MB', 1)).toBe(64_000_000);
    expect(byteSizeFlag('--journal-bytes', '64mib', 1)).toBe(64 * 1024 * 1024);
    expect(byteSizeFlag('--journal-bytes', '1.5 GB', 1)).toBe(1_500_000_000);
    expect(byteSizeFlag('--journal-bytes', undefined, 1)).toBeUndefined();
  });

  it('refuses what is not a size, and sizes below the minimum, naming the flag', () => {
    for (const bad of ['lots', '64 XB', '-5', '0', '']) {
      expect(() => byteSizeFlag('--journal-bytes', bad, 1), bad).toThrow(/^--journal-bytes: expected a size in bytes ≥ 1/);
    }
  });
});
