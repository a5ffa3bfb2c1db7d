/**
 * How a delivery's JSON body is laid out. `canonical` is the platform's own (`JSON.stringify`,
 * no spaces); `non-canonical` is the same value written the way another serialiser may write it:
 * keys in reverse order, two-space indentation and a final newline, `/` escaped as `\/`, and the
 * first character of every string and everything outside ASCII as a `\u` escape. A receiver that
 * verifies the signature over the bytes it received accepts both; one that re-serialises the
 * parsed JSON before computing the HMAC refuses the second (security-tests.md case 93).
 */
export type BodyLayout = 'canonical' | 'non-canonical';

/**
 * The same JSON value as `body`, laid out differently byte for byte (see `BodyLayout`).
 *
 * @example
 * nonCanonical(Buffer.from('{"a":"x/y","b":1}')).toString()
 * // '{\n  "b": 1,\n  "a": "\\u0078\\/y"\n}\n'
 */
export function nonCanonical(body: Buffer): Buffer {
  const value: unknown = JSON.parse(body.toString('utf8'));
  return Buffer.from(`${write(value, '')}\n`, 'utf8');
}

function write(value: unknown, indent: string): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${write(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  // JSON.stringify leaves out undefined members; so does this.
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).reverse();
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${quote(k)}: ${write(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** A JSON string with the first character and every non-ASCII one as `\u` escapes, and `/` as `\/`. */
function quote(text: string): string {
  let out = '';
  for (const [i, ch] of [...text].entries()) {
    const code = ch.codePointAt(0)!;
    if (i === 0 || code > 0x7e) out += unitEscape(ch);
    else if (ch === '/') out += '\\/';
    else out += JSON.stringify(ch).slice(1, -1);
  }
  return `"${out}"`;
}

/** `\uXXXX` for each UTF-16 unit of `ch` (a character beyond the BMP is a surrogate pair). */
function unitEscape(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
