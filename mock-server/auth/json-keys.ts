/**
 * Duplicate member names in JSON text. `JSON.parse` keeps the last of two equal names, so a
 * token could say one thing to us and another to a parser that keeps the first: RFC 7519 §4
 * and RFC 7515 §4 let a verifier reject such a claims set or header, and RFC 8725 §2.6 says
 * only rejecting is safe. Names are compared after their escapes are read (`"s\u0075b"` is `sub`).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The end (index after the closing quote) of the string literal that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else if (Number.isNaN(c)) return text.length;
    else i++;
  }
}

/**
 * The first member name that appears twice in one object of `text`, at any depth, or `null`.
 * `text` must already be valid JSON (parse it first): this only walks its structure.
 *
 * @example
 * duplicateKey('{"sub":"a","sub":"b"}'); // 'sub'
 */
export function duplicateKey(text: string): string | null {
  // One entry per open container: the names seen so far for an object, `null` for an array.
  const open: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      const names = open.at(-1);
      if (expectName && names) {
        const name = JSON.parse(text.slice(i, end)) as string;
        if (names.has(name)) return name;
        names.add(name);
      }
      expectName = false;
      i = end;
      continue;
    }
    if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = open.at(-1) instanceof Set;
    }
    i++;
  }
  return null;
}
