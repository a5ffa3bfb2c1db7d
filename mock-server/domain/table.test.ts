import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTable } from './table.ts';

const schema = z.object({ id: z.string(), name: z.string(), skus: z.array(z.string()) });
type Item = z.infer<typeof schema>;

async function table() {
  const t = createTable<Item>({ schema, key: (i) => i.id, aliases: (i) => i.skus });
  await t.load([{ id: 'a', name: 'A', skus: ['a-1'] }]);
  return t;
}

describe('createTable', () => {
  it('keeps its index on the stored record when the schema refuses an update, so later writes still work (found by fuzz.test.ts)', async () => {
    const t = await table();
    const stored = t.get('a');

    await expect(t.replace('a', { id: 'a', name: [], skus: ['a-2'] })).rejects.toThrow();
    await expect(t.update('a', (draft) => void ((draft as { name: unknown }).name = 5))).rejects.toThrow();

    expect(t.get('a')).toBe(stored);
    expect(t.get('a-1')).toBe(stored);
    expect(t.get('a-2')).toBeUndefined();
    expect(await t.replace('a', { id: 'a', name: 'B', skus: ['a-1'] })).toMatchObject({ name: 'B' });
    expect(t.get('a')).toMatchObject({ name: 'B' });
  });

  it('indexes a record by its key and its aliases, and moves the aliases with an update', async () => {
    const t = await table();
    await t.update('a', (draft) => void (draft.skus = ['a-9']));
    expect(t.get('a-9')).toMatchObject({ id: 'a' });
    expect(t.get('a-1')).toBeUndefined();
    expect(t.all()).toHaveLength(1);
  });

  it('serves a record as JSON.stringify gives it, and the new text once a write replaced the record', async () => {
    const t = await table();
    const first = t.get('a')!;
    expect(t.json(first)).toBe(JSON.stringify(first));
    expect(t.json(first)).toBe(t.json(first));

    const next = (await t.update('a', (draft) => void (draft.name = 'B')))!;
    expect(t.json(next)).toBe(JSON.stringify(next));
    expect(JSON.parse(t.json(t.get('a')!))).toMatchObject({ name: 'B' });
    await t.load([{ id: 'a', name: 'C', skus: [] }]);
    expect(JSON.parse(t.json(t.get('a')!))).toMatchObject({ name: 'C' });
  });
});
