/**
 * What the faults that reshape a real answer do to its body: pure functions over JSON values
 * and text, so both transports (and the tests) share them. None edits its input: a resolver's
 * body may be a stored record, answered to every read.
 */

/** What every object of an `extra-fields` answer gains: a text, an object nested in it, a list. Names no API documents. */
export const EXTRA_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({
  goliveAddedText: 'a field this version of the API did not document',
  goliveAddedObject: Object.freeze({ nested: Object.freeze([1, 'two', null]), flag: true }),
  goliveAddedList: Object.freeze([]),
});

/**
 * `value` with every value of another type: a string becomes a number (its length), a number or
 * a boolean a string, an array an object keyed by index; `null` stays (many fields may be null).
 * Objects keep their keys, their values changed.
 *
 * @example
 * wrongTypes({ id: 'ORD-1', total: 12.5, paid: true, lines: [{ qty: 2 }] });
 * // { id: 5, total: '12.5', paid: 'true', lines: { '0': { qty: '2' } } }
 */
export function wrongTypes(value: unknown): unknown {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), wrongTypes(v)]));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrongTypes(v)]));
  return value;
}

/**
 * `value` with `EXTRA_FIELDS` added to every object in it, at any depth (a field it has already
 * keeps its value); `undefined` when it holds no object, so there is nothing to add to.
 */
export function withExtraFields(value: unknown): unknown {
  let added = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    added = true;
    return { ...EXTRA_FIELDS, ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) };
  };
  const result = walk(value);
  return added ? result : undefined;
}

/** The page of an `html` fault: what a proxy or a web application firewall in front of an API answers in its stead. */
export const HTML_ERROR_PAGE =
  '<!DOCTYPE html>\n<html>\n<head><title>Service Unavailable</title></head>\n<body>\n<h1>Service Unavailable</h1>\n' +
  '<p>The server is temporarily unable to service your request. Please try again later.</p>\n<hr><address>proxy</address>\n</body>\n</html>\n';

/** The size of the chunk of spaces a large body is sent in: one buffer, shared by every answer. */
export const PADDING_CHUNK_BYTES = 64 * 1024;
const SPACES = Buffer.alloc(PADDING_CHUNK_BYTES, 0x20);

/**
 * The chunks of a body of `padding` spaces followed by `body` (JSON ignores whitespace before a
 * value: the same document), made one at a time as they are asked for; the spaces are one shared
 * buffer, so the whole is never held.
 */
export function* paddedBody(padding: number, body: Buffer): Generator<Buffer> {
  let left = padding;
  while (left >= PADDING_CHUNK_BYTES) {
    yield SPACES;
    left -= PADDING_CHUNK_BYTES;
  }
  if (left > 0) yield SPACES.subarray(0, left);
  if (body.length > 0) yield body;
}
