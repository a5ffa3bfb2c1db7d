import { describe, expect, it } from 'vitest';
import { duplicateKey } from './json-keys.ts';

describe('duplicateKey', () => {
  it.each([
    ['{"sub":"a","sub":"b"}', 'sub'],
    ['{"sub":"a","s\\u0075b":"b"}', 'sub'],
    ['{"a":{"x":1,"x":2}}', 'x'],
    ['{"a":[{"x":1},{"x":2}],"b":{"a":1},"a":3}', 'a'],
  ])('finds the name given twice in %s', (text, name) => {
    expect(duplicateKey(text)).toBe(name);
  });

  it.each(['{"sub":"sub","a":"sub"}', '{"a":[{"x":1},{"x":2}]}', '{"a":{"b":1},"b":{"a":1}}', '{"k":"\\"}\\",\\"k\\":"}', '[]', '{}'])('finds none in %s', (text) => {
    expect(duplicateKey(text)).toBeNull();
  });
});
