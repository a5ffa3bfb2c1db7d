import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueSentence } from './zod-issues.ts';

const schema = z.strictObject({
  match: z.strictObject({ probability: z.number().max(1, 'expected a number from 0 to 1').optional() }).optional(),
  kind: z.string().optional(),
});
const firstIssue = (input: unknown) => schema.safeParse(input).error?.issues[0];

describe('a zod issue as a sentence', () => {
  it('names the field by its dotted path', () => {
    expect(issueSentence(firstIssue({ match: { probability: 2 } }), { subject: 'rule' })).toBe('match.probability: expected a number from 0 to 1');
  });

  it('names the subject for an issue about the whole value, or when there is no issue', () => {
    expect(issueSentence(firstIssue('x'), { subject: 'rule' })).toMatch(/^rule: /);
    expect(issueSentence(undefined, { subject: 'body' })).toBe('body: invalid');
  });

  it('names each unknown key by its own path', () => {
    expect(issueSentence(firstIssue({ match: { pth: 1 } }), { subject: 'rule' })).toBe('match.pth: unknown field');
    expect(issueSentence(firstIssue({ colour: 1, size: 2 }), { subject: 'rule' })).toBe('colour, size: unknown fields');
  });

  it('lists unknown keys after where they are when the caller words them', () => {
    const unknownKeys = (keys: readonly string[]) => `unknown field(s) ${keys.join(', ')}`;
    expect(issueSentence(firstIssue({ colour: 1, size: 2 }), { subject: 'body', unknownKeys })).toBe('body: unknown field(s) colour, size');
    expect(issueSentence(firstIssue({ match: { pth: 1 } }), { subject: 'body', unknownKeys })).toBe('match: unknown field(s) pth');
  });
});
