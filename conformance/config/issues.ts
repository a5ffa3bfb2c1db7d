/**
 * Turns zod's issues into golive's sentences: `golive.config.ts: integration.mode: expected
 * "service" or "job", got "daemon"`. The per-parse error map writes only the "expected"
 * part of each issue; the schema's own `error` texts take precedence over it.
 */
import type { z } from 'zod';
import { GoliveError } from '../../errors.ts';

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

const quote = (v: unknown): string => JSON.stringify(v);

/** The "expected …" words for one issue; passed to `safeParse` as its error map. */
export const expectationMap: z.core.$ZodErrorMap = (issue: RawIssue): string => {
  switch (issue.code) {
    case 'invalid_type': {
      // z.int() reports a string as "expected number"; its format says it wants an integer.
      const format = (issue.inst as { def?: { format?: string } } | undefined)?.def?.format;
      if (issue.expected === 'number' && format?.includes('int')) return TYPE_WORDS.int!;
      return TYPE_WORDS[issue.expected] ?? issue.expected;
    }
    case 'invalid_value':
      return issue.values.length <= 2
        ? issue.values.map(quote).join(' or ')
        : `one of ${issue.values.map(quote).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'a non-empty string';
      if (issue.origin === 'array') return `at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `at least ${issue.minimum}`;
    case 'too_big':
      return `at most ${issue.maximum}`;
    case 'invalid_format':
      if (issue.format === 'starts_with') return `a string starting with ${quote((issue as { prefix?: string }).prefix)}`;
      return `a valid ${issue.format}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { def?: { shape?: Record<string, unknown> } } | undefined)?.def?.shape;
      return shape ? Object.keys(shape).join(', ') : '';
    }
    default:
      return 'a valid value';
  }
};

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${quote(String(part))}]`;
  }
  return out;
}

function typeWord(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** How the offending value is shown: short scalars as written, never the values of `integration.env`. */
function got(value: unknown, path: readonly PropertyKey[]): string {
  const private_ = path[0] === 'integration' && path[1] === 'env';
  if (!private_ && typeof value === 'string') return quote(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (!private_ && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  return typeWord(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return row[b.length]!;
}

function unknownKeySentences(issue: Extract<Issue, { code: 'unrecognized_keys' }>): string[] {
  const known = issue.message ? issue.message.split(', ') : [];
  return issue.keys.map((key) => {
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
    const hint = near ? `did you mean "${near}"?` : known.length ? `known keys: ${known.join(', ')}` : '';
    return `${formatPath([...issue.path, key])}: unknown key${hint ? ` (${hint})` : ''}`;
  });
}

function sentence(issue: Issue): string {
  const at = issue.path.length ? `${formatPath(issue.path)}: ` : '';
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return `${at}missing, expected ${issue.message}`;
  return `${at}expected ${issue.message}, got ${got(input, issue.path)}`;
}

/**
 * One GoliveError for every problem zod found; unknown keys come first (a misspelt key
 * often explains the rest) and give the error its code.
 */
export function configError(issues: readonly Issue[], where: string): GoliveError {
  const unknown = issues.flatMap((i) => (i.code === 'unrecognized_keys' ? unknownKeySentences(i) : []));
  const other = issues.filter((i) => i.code !== 'unrecognized_keys').map(sentence);
  const all = [...unknown, ...other];
  const more = all.length > 3 ? `; and ${all.length - 3} more` : '';
  const code = unknown.length ? 'GOLIVE_ERR_CONFIG_UNKNOWN_KEY' : 'GOLIVE_ERR_CONFIG_INVALID';
  return new GoliveError(code, `${where}: ${all.slice(0, 3).join('; ')}${more}`);
}
