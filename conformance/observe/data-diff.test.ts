import { describe, expect, it } from 'vitest';
import { MAX_CHANGES, diffProbeOutput, diffTables } from './data-diff.ts';

describe('diffTables', () => {
  it('finds nothing between equal snapshots', () => {
    const snap = { orders: { o1: { status: 'New', lines: [{ qty: 1 }] } }, inventory: {} };
    expect(diffTables(snap, structuredClone(snap))).toEqual({ changes: [], total: 0 });
  });

  it('names the table, the key and the nested field that changed', () => {
    const before = { inventory: { 'SKU-1@oslo': { reservedInventory: 2, lines: [{ qty: 1 }] } } };
    const after = { inventory: { 'SKU-1@oslo': { reservedInventory: 4, lines: [{ qty: 3 }] } } };
    expect(diffTables(before, after).changes).toEqual([
      { where: 'inventory', key: 'SKU-1@oslo', field: 'reservedInventory', before: 2, after: 4 },
      { where: 'inventory', key: 'SKU-1@oslo', field: 'lines.0.qty', before: 1, after: 3 },
    ]);
  });

  it('reports added and removed records whole', () => {
    const { changes } = diffTables({ carts: { c1: { id: 'c1' } } }, { carts: { c2: { id: 'c2' } } });
    expect(changes).toEqual([
      { where: 'carts', key: 'c1', field: '', before: { id: 'c1' }, after: undefined },
      { where: 'carts', key: 'c2', field: '', before: undefined, after: { id: 'c2' } },
    ]);
  });

  it('lists at most MAX_CHANGES and counts the rest', () => {
    const many = (v: number) => ({ orders: Object.fromEntries(Array.from({ length: MAX_CHANGES + 10 }, (_, i) => [`o${String(i).padStart(3, '0')}`, { v }])) });
    const { changes, total } = diffTables(many(1), many(2));
    expect(changes).toHaveLength(MAX_CHANGES);
    expect(total).toBe(MAX_CHANGES + 10);
  });
});

describe('diffProbeOutput', () => {
  it('compares JSON field by field, whatever the whitespace', () => {
    expect(diffProbeOutput('{"bookings": 1}', '{ "bookings": 1 }\n')).toEqual([]);
    expect(diffProbeOutput('{"bookings": 1}', '{"bookings": 2}')).toEqual([{ where: 'probe', key: 'output', field: 'bookings', before: 1, after: 2 }]);
  });

  it('compares other output as trimmed text', () => {
    expect(diffProbeOutput('1 booking\n', '1 booking')).toEqual([]);
    expect(diffProbeOutput('1 booking', '2 bookings')).toEqual([{ where: 'probe', key: 'output', field: '', before: '1 booking', after: '2 bookings' }]);
  });
});
