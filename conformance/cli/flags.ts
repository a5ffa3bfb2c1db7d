import { GoliveError } from '../../errors.ts';

/** A whole-number flag, checked: `--port: expected a whole number from 0 to 65535, got "x"`. */
export function intFlag(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new GoliveError('GOLIVE_ERR_USAGE', `${name}: expected a whole number ${range}, got "${String(value)}"`);
  }
  return n;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * A size flag in bytes, checked: a whole number of bytes or a number with a unit (`64MB`,
 * `512KiB`, `1.5GB`; KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024).
 *
 * @example byteSizeFlag('--journal-bytes', '64MB', 1) // 64_000_000
 */
export function byteSizeFlag(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = BYTE_UNITS[(match?.[2] || 'b').toLowerCase()];
  const n = match && unit ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new GoliveError('GOLIVE_ERR_USAGE', `${name}: expected a size in bytes ≥ ${min} (a number, or with a unit: 64MB, 512KiB, 1GB), got "${String(value)}"`);
  }
  return n;
}
