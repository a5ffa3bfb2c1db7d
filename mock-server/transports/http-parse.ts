/** Body parsing shared by the transports: JSON, form and text, keeping the raw text for the journal. */
import { isJsonMediaType } from '../handlers/request-schema.ts';

const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/**
 * How deep a JSON body may nest (objects and arrays): ASP.NET Core's System.Text.Json and
 * Json.NET both stop at 64 by default. A deeper body is refused before it is parsed, so a
 * 100,000-deep array never reaches code that walks it recursively.
 */
export const MAX_JSON_DEPTH = 64;

/** The fields of a form body; a repeated field gives an array. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export type ParsedBody = { ok: true; body: unknown } | { ok: false; error: string };

/** Whether JSON text nests objects and arrays deeper than `max` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A key that would reach an object's prototype if the body were merged into another object. */
class PoisonedKey extends Error {}

/**
 * Refuses `__proto__` anywhere, and `constructor` holding a `prototype`, as fastify's own JSON
 * parser does (secure-json-parse, `onProtoPoisoning` and `onConstructorPoisoning: 'error'`):
 * `JSON.parse` keeps them as plain keys, but code that copies the body into another object
 * (a patch merge) would set that object's prototype. Keys arrive decoded, so `\u005f_proto__`
 * is caught too.
 */
function refusePoisonedKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new PoisonedKey('__proto__');
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) throw new PoisonedKey('constructor.prototype');
  return value;
}

/** Text that may hold a poisoned key: only such bodies pay for the reviver. */
const MAYBE_POISONED = /__proto__|constructor|\\u00[57]/i;

/**
 * Parses a body by its content type: JSON, a form, or the text itself. JSON nested deeper than
 * `maxDepth`, or with a `__proto__` or `constructor.prototype` key, is refused as if malformed.
 */
export function parseBody(contentType: string | undefined, text: string, maxDepth = MAX_JSON_DEPTH): ParsedBody {
  if (text.length === 0) return { ok: true, body: undefined };
  if (contentType && FORM_TYPE.test(contentType)) return { ok: true, body: parseForm(text) };
  if (!contentType || isJsonMediaType(contentType)) {
    if (nestsDeeperThan(text, maxDepth)) {
      if (!contentType) return { ok: true, body: text };
      return { ok: false, error: `The request body nests deeper than ${maxDepth} levels.` };
    }
    try {
      return { ok: true, body: (MAYBE_POISONED.test(text) ? JSON.parse(text, refusePoisonedKeys) : JSON.parse(text)) as unknown };
    } catch (err) {
      if (err instanceof PoisonedKey) return { ok: false, error: `The request body has a forbidden key: ${err.message}.` };
      if (!contentType) return { ok: true, body: text };
      // V8's message quotes the body; only the position is kept, so no answer echoes what was sent.
      const at = /position (\d+)/.exec((err as Error).message)?.[1];
      return { ok: false, error: `The request body is not valid JSON${at === undefined ? '' : ` (at position ${at})`}.` };
    }
  }
  return { ok: true, body: text };
}

/** `{id}` segments of a documented path as a regular expression, matched without regard to case. */
export function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? `(?<${param[1]}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`, 'i');
}
