import { isDeepStrictEqual } from 'node:util';
import type { DataChange } from '../checks/observations.ts';

/** Tables of records by key, as the mock's `db.snapshot()` gives them (an interface, so typed as `object`). */
export type Tables = object;

/** Changes listed at most; a diff longer than this is cut (the count says how many there were). */
export const MAX_CHANGES = 50;

/** Where two values differ, field by field (`a.b.0.c`); objects and arrays are walked, anything else compared. */
export function diffValue(where: string, key: string, before: unknown, after: unknown, out: DataChange[] = [], field = ''): DataChange[] {
  if (out.length >= MAX_CHANGES || isDeepStrictEqual(before, after)) return out;
  const walkable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (walkable(before) && walkable(after) && Array.isArray(before) === Array.isArray(after)) {
    const names = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const name of names) diffValue(where, key, before[name], after[name], out, field ? `${field}.${name}` : name);
    return out;
  }
  out.push({ where, key, field, before, after });
  return out;
}

/**
 * Every record added, removed or changed between two snapshots of the data, in table and key
 * order, at most `MAX_CHANGES`; `total` is how many there were in all.
 *
 * @example diffTables({ orders: { o1: { status: 'New' } } }, { orders: { o1: { status: 'Shipped' } } })
 * // { changes: [{ where: 'orders', key: 'o1', field: 'status', before: 'New', after: 'Shipped' }], total: 1 }
 */
export function diffTables(beforeTables: Tables, afterTables: Tables): { changes: DataChange[]; total: number } {
  const before = beforeTables as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  const after = afterTables as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  const changes: DataChange[] = [];
  let total = 0;
  for (const table of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[table] ?? {};
    const b = after[table] ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const found = diffValue(table, key, a[key], b[key], []);
      total += found.length;
      for (const c of found) if (changes.length < MAX_CHANGES) changes.push(c);
    }
  }
  return { changes, total };
}

/** The difference between two outputs of a side-effect probe: field by field when both are JSON, else the texts. */
export function diffProbeOutput(before: string, after: string): DataChange[] {
  const parse = (text: string): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false };
    }
  };
  const a = parse(before);
  const b = parse(after);
  if (a.ok && b.ok) return diffValue('probe', 'output', a.value, b.value);
  return before.trim() === after.trim() ? [] : [{ where: 'probe', key: 'output', field: '', before: before.trim(), after: after.trim() }];
}
