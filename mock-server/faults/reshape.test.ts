import { describe, expect, it } from 'vitest';
import { EXTRA_FIELDS, PADDING_CHUNK_BYTES, paddedBody, withExtraFields, wrongTypes } from './reshape.ts';

describe('wrongTypes', () => {
  it('gives every value another type: strings numbers, numbers and booleans strings, arrays objects keyed by index', () => {
    expect(wrongTypes({ id: 'ORD-1', total: 12.5, paid: true, note: null, lines: [{ qty: 2 }, 'x'] })).toEqual({
      id: 5,
      total: '12.5',
      paid: 'true',
      note: null,
      lines: { '0': { qty: '2' }, '1': 1 },
    });
    expect(wrongTypes([])).toEqual({});
    expect(wrongTypes('token')).toBe(5);
  });

  it('leaves its input as it was (a resolver may answer a stored record)', () => {
    const record = Object.freeze({ id: 'ORD-1', lines: Object.freeze([Object.freeze({ qty: 2 })]) });
    wrongTypes(record);
    expect(record).toEqual({ id: 'ORD-1', lines: [{ qty: 2 }] });
  });
});

describe('withExtraFields', () => {
  it('adds the extra fields to every object at any depth, keeping a field the object has', () => {
    const out = withExtraFields({ result: [{ id: 'A', goliveAddedText: 'mine' }], totalHits: 1 }) as { result: Record<string, unknown>[] };
    expect(out).toEqual({ ...EXTRA_FIELDS, result: [{ ...EXTRA_FIELDS, id: 'A', goliveAddedText: 'mine' }], totalHits: 1 });
  });

  it('says there is nothing to add to when the value holds no object', () => {
    expect(withExtraFields([1, 'two'])).toBeUndefined();
    expect(withExtraFields('token')).toBeUndefined();
  });
});

describe('paddedBody', () => {
  it('makes the spaces a chunk at a time, then the body: the same JSON, as long as asked', () => {
    const body = Buffer.from('{"id":"A"}');
    const padding = 3 * PADDING_CHUNK_BYTES + 10;
    const chunks = [...paddedBody(padding, body)];
    expect(chunks.map((c) => c.length)).toEqual([PADDING_CHUNK_BYTES, PADDING_CHUNK_BYTES, PADDING_CHUNK_BYTES, 10, body.length]);
    // One buffer of spaces for every chunk: the whole is never held.
    expect(chunks[0]!.buffer).toBe(chunks[2]!.buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ id: 'A' });
  });
});
