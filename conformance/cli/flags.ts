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
