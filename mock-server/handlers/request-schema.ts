/**
 * An endpoint's schemas as JSON Schema (for the OpenAPI document), and the names of the
 * fields of a request that its request schema does not accept (for the journal).
 */
import { z } from 'zod';
import type { RequestSchemas } from './endpoint.ts';

export type JsonSchema = Record<string, unknown>;

/** At most this many unaccepted names per request: enough to show the problem, bounded on the hot path. */
export const MAX_UNACCEPTED = 20;
/** Fields looked at per request before giving up (a 1,000-item bulk body stays cheap). */
const MAX_FIELDS_VISITED = 20_000;

/**
 * A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 takes): `input` for what a client
 * sends (defaults make a field optional), `output` for what the API answers. A `z.object` (or
 * `z.strictObject`) accepts only its own fields (`additionalProperties: false`), a
 * `z.looseObject` any other too; what JSON Schema cannot say (a date, a transform) is left open.
 * A schema with an `id` (`.meta({ id })`) is referenced (`#/$defs/<id>`) and defined in `$defs`.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      // In input mode zod leaves a plain object open; the endpoint still reads only its fields.
      if (zodSchema._zod.def.type === 'object' && jsonSchema.additionalProperties === undefined) jsonSchema.additionalProperties = false;
    },
  });
  return json as JsonSchema;
}

/** What a request schema accepts at one place of a request: its fields, whether any other, what an array holds. */
interface Accepts {
  readonly fields: ReadonlyMap<string, Accepts>;
  /** An object is accepted here (else an object sent here is a type mismatch, not judged by name). */
  readonly object: boolean;
  /** Any other field of an object is accepted too. */
  readonly open: boolean;
  readonly items: Accepts | null;
  /** Some field at or below this place can be unaccepted (else there is nothing to walk). */
  readonly judges: boolean;
}

const ANYTHING: Accepts = { fields: new Map(), object: false, open: true, items: null, judges: false };
/** Where a request may carry nothing: every field there is unaccepted. */
const NOTHING: Accepts = { fields: new Map(), object: true, open: false, items: null, judges: true };

type Defs = Readonly<Record<string, unknown>>;

function accepts(schema: unknown, defs: Defs, seen: ReadonlySet<string> = new Set()): Accepts {
  if (typeof schema !== 'object' || schema === null) return ANYTHING;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/$defs/')) {
    const id = s.$ref.slice('#/$defs/'.length);
    // A schema that contains itself is taken as open below its first repeat.
    return seen.has(id) ? ANYTHING : accepts(defs[id], defs, new Set([...seen, id]));
  }
  const branches = [...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : []), ...(Array.isArray(s.allOf) ? s.allOf : [])];
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const own: Accepts[] = [];
  if (types.includes('object') || s.properties !== undefined) {
    const fields = new Map<string, Accepts>();
    for (const [name, sub] of Object.entries((s.properties ?? {}) as JsonSchema)) fields.set(name.toLowerCase(), accepts(sub, defs, seen));
    own.push(node(fields, true, s.additionalProperties !== false, null));
  }
  if (types.includes('array') || s.items !== undefined) own.push(node(new Map(), false, true, accepts(s.items, defs, seen)));
  const all = [...own, ...branches.map((b) => accepts(b, defs, seen))];
  // A value that may be an object or a string: its object form is judged. Nothing but scalars: nothing to judge.
  const shaped = all.filter((a) => a !== ANYTHING);
  if (shaped.length === 0) return ANYTHING;
  return shaped.reduce(merge);
}

function node(fields: Map<string, Accepts>, object: boolean, open: boolean, items: Accepts | null): Accepts {
  const anyOther = open || !object;
  const judges = !anyOther || (items?.judges ?? false) || [...fields.values()].some((f) => f.judges);
  return { fields, object, open: anyOther, items, judges };
}

/** Either of two schemas (`anyOf`): their object forms' fields together, their array forms' items together. */
function merge(a: Accepts, b: Accepts): Accepts {
  const fields = new Map(a.fields);
  for (const [name, sub] of b.fields) fields.set(name, fields.has(name) ? merge(fields.get(name)!, sub) : sub);
  const items = a.items && b.items ? merge(a.items, b.items) : (a.items ?? b.items);
  const object = a.object || b.object;
  // Only the branches that take an object say whether it may carry other fields.
  const open = (a.object && a.open) || (b.object && b.open);
  return node(fields, object, open, items);
}

/** A request schema made ready for judging requests: compile once per endpoint. */
export interface Acceptance {
  readonly query: Accepts;
  readonly body: Accepts;
  /** The endpoint reads a body at all. */
  readonly hasBody: boolean;
}

const compiled = new WeakMap<RequestSchemas, Acceptance>();

function compile(schema: z.ZodType): Accepts {
  const json = jsonSchemaOf(schema, 'input');
  return accepts(json, (json.$defs ?? {}) as Defs);
}

/** The compiled form of an endpoint's request schemas, made on first use and kept. */
export function acceptanceOf(request: RequestSchemas): Acceptance {
  let found = compiled.get(request);
  if (!found) {
    found = {
      query: request.query ? compile(request.query) : NOTHING,
      body: request.body ? compile(request.body) : NOTHING,
      hasBody: request.body !== undefined,
    };
    compiled.set(request, found);
  }
  return found;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The names of the query parameters (`query.debug`) and body fields (`body.customer.email`,
 * array items as `[]`: `body[].note`) of a request that the endpoint does not accept, at most
 * `MAX_UNACCEPTED`; names only, never values. A field the schema does not know is named, not
 * what lies below it. `hide` says whether a name is itself a secret (it is then shown as `(secret)`).
 */
export function unacceptedFields(
  acceptance: Acceptance,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
  hide: (name: string) => boolean = () => false,
): string[] {
  const out = new Set<string>();
  let budget = MAX_FIELDS_VISITED;
  const name = (key: string) => (hide(key) ? '(secret)' : key);

  const walk = (value: unknown, at: Accepts, path: string): void => {
    if (!at.judges || out.size >= MAX_UNACCEPTED) return;
    if (Array.isArray(value)) {
      if (at.items) for (const item of value) if (budget-- > 0) walk(item, at.items, `${path}[]`);
      return;
    }
    if (!isPlainObject(value)) return;
    for (const key in value) {
      if (budget-- <= 0 || out.size >= MAX_UNACCEPTED) return;
      const field = at.fields.get(key.toLowerCase());
      // A name the schema knows is no secret: only an unaccepted one is looked up.
      if (field) walk(value[key], field, `${path}.${key}`);
      else if (!at.open) out.add(`${path}.${name(key)}`);
    }
  };

  for (const key in query) {
    if (out.size >= MAX_UNACCEPTED) break;
    if (!acceptance.query.fields.has(key.toLowerCase()) && !acceptance.query.open) out.add(`query.${name(key)}`);
  }
  if (body !== undefined) {
    // A body sent to an endpoint that reads none, when it is not an object of fields: the whole body.
    if (!acceptance.hasBody && !isPlainObject(body)) out.add('body');
    else walk(body, acceptance.body, 'body');
  }
  return [...out];
}
