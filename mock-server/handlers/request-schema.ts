/**
 * An endpoint's schemas as JSON Schema (for the OpenAPI document), the names of the fields of
 * a request that its request schema does not accept (for the journal), and the checks every
 * body passes before a resolver sees it (`requestProblem`, `withRequestChecks`).
 */
import { z } from 'zod';
import type { ApiRequest, ApiResponse, Endpoint, RequestProblem, RequestSchemas } from './endpoint.ts';

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

/** The types of JSON value, as JSON Schema names them (`integer` counts as `number`). */
export type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** A request schema made ready for judging requests: compile once per endpoint. */
export interface Acceptance {
  readonly query: Accepts;
  readonly body: Accepts;
  /** The endpoint reads a body at all. */
  readonly hasBody: boolean;
  /** The JSON types the body may have at its top level; `null`: any (or none declared). */
  readonly bodyTypes: ReadonlySet<JsonType> | null;
}

const compiled = new WeakMap<RequestSchemas, Acceptance>();

const JSON_TYPES_NAMED: ReadonlySet<string> = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** The JSON types a schema allows at its top level, `null` when it does not say (or allows any). */
function topTypes(schema: unknown, defs: Defs, seen: ReadonlySet<string> = new Set()): Set<JsonType> | null {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/$defs/')) {
    const id = s.$ref.slice('#/$defs/'.length);
    return seen.has(id) ? null : topTypes(defs[id], defs, new Set([...seen, id]));
  }
  const branches = [...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : [])];
  if (branches.length > 0) {
    const out = new Set<JsonType>();
    for (const branch of branches) {
      const types = topTypes(branch, defs, seen);
      if (types === null) return null;
      for (const t of types) out.add(t);
    }
    return out;
  }
  const named = (Array.isArray(s.type) ? s.type : [s.type]).filter((t): t is string => typeof t === 'string' && JSON_TYPES_NAMED.has(t));
  if (named.length > 0) return new Set(named.map((t) => (t === 'integer' ? 'number' : (t as JsonType))));
  const values = s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? s.enum : null;
  if (values) return new Set(values.map(jsonTypeOf));
  if (s.properties !== undefined) return new Set(['object']);
  if (s.items !== undefined) return new Set(['array']);
  return null;
}

/** The JSON type of a parsed value. */
export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'object' || t === 'string' || t === 'number' || t === 'boolean' ? t : 'null';
}

function compile(schema: z.ZodType): { accepts: Accepts; types: Set<JsonType> | null } {
  const json = jsonSchemaOf(schema, 'input');
  const defs = (json.$defs ?? {}) as Defs;
  return { accepts: accepts(json, defs), types: topTypes(json, defs) };
}

/** The compiled form of an endpoint's request schemas, made on first use and kept. */
export function acceptanceOf(request: RequestSchemas): Acceptance {
  let found = compiled.get(request);
  if (!found) {
    const body = request.body ? compile(request.body) : null;
    found = {
      query: request.query ? compile(request.query).accepts : NOTHING,
      body: body ? body.accepts : NOTHING,
      hasBody: request.body !== undefined,
      bodyTypes: body ? body.types : null,
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

/**
 * JSON media types, as ASP.NET's JSON input formatter reads them: `application/json`,
 * `text/json`, `application/*+json` and `application/json-patch+json` (omnium-api.md A1).
 */
const JSON_MEDIA_TYPE = /^(application\/(json|[\w.+-]*\+json)|text\/json)\s*(;|$)/i;

/** Whether a `Content-Type` names JSON. */
export function isJsonMediaType(contentType: string): boolean {
  return JSON_MEDIA_TYPE.test(contentType.trim());
}

const TYPE_NAMES: Readonly<Record<JsonType, string>> = {
  object: 'a JSON object',
  array: 'a JSON array',
  string: 'a JSON string',
  number: 'a JSON number',
  boolean: 'true or false',
  null: 'null',
};

/**
 * What stops an endpoint from taking a request's body, or `null`: a body in another media
 * type than the JSON it reads (415), JSON of another type than its schema's top level (an
 * array, a number or a string where it takes an object: 400), or, with `unknownFields:
 * 'refuse'`, fields it does not accept (400, naming them). An endpoint that reads no body, or
 * reads one of its own media type (a form), is not judged here: it ignores or parses it itself.
 * A request without a `Content-Type` is taken as JSON when it parses as JSON.
 */
export function requestProblem(request: RequestSchemas, req: Pick<ApiRequest, 'headers' | 'body'>): RequestProblem | null {
  if (request.body === undefined || req.body === undefined) return null;
  if (request.bodyType !== undefined && !isJsonMediaType(request.bodyType)) return null;
  const contentType = req.headers['content-type'];
  if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
    const named = contentType.split(';')[0]!.trim().slice(0, 100);
    return { kind: 'media-type', status: 415, message: `The request body must be JSON (Content-Type: application/json), not ${named}.` };
  }
  const acceptance = acceptanceOf(request);
  const type = jsonTypeOf(req.body);
  // A body sent without a Content-Type that is not JSON reaches here as its text.
  if (contentType === undefined && typeof req.body === 'string' && acceptance.bodyTypes?.has('string') !== true) {
    return { kind: 'media-type', status: 415, message: 'The request body must be JSON (Content-Type: application/json).' };
  }
  if (acceptance.bodyTypes !== null && !acceptance.bodyTypes.has(type)) {
    const wanted = [...acceptance.bodyTypes].map((t) => TYPE_NAMES[t]).join(' or ');
    return { kind: 'shape', status: 400, message: `The request body must be ${wanted}, not ${TYPE_NAMES[type]}.` };
  }
  if (request.unknownFields === 'refuse') {
    const fields = unacceptedFields(acceptance, {}, req.body).map((name) => name.replace(/^body\.?/, ''));
    if (fields.length > 0) {
      const list = fields.map((f) => `'${f}'`).join(', ');
      return {
        kind: 'fields',
        status: 400,
        fields,
        message: fields.length === 1 ? `The field ${list} can not be set here.` : `The fields ${list} can not be set here.`,
      };
    }
  }
  return null;
}

/** A request problem as a bare answer: its status, its headers, its message as plain text. */
export function answerPlainly(problem: RequestProblem): ApiResponse {
  return { status: problem.status, ...(problem.headers ? { headers: { ...problem.headers } } : {}), body: problem.message };
}

/**
 * The endpoint with its body checked before its resolver runs (`requestProblem`): a body it
 * cannot take is answered by `refuse` and never resolved. Runs where the resolver would, so
 * after authentication, faults, rate limits and the permission check, as a framework's model
 * binding runs after its authorisation. An endpoint that reads no JSON body is handed back as it is.
 */
export function withRequestChecks<Db>(endpoint: Endpoint<Db>, refuse: (problem: RequestProblem) => ApiResponse = answerPlainly): Endpoint<Db> {
  // A profile made from another one's endpoints wraps the originals again, with its own answer.
  const original = (unchecked.get(endpoint) as Endpoint<Db> | undefined) ?? endpoint;
  const request = original.request;
  if (request?.body === undefined) return original;
  if (request.bodyType !== undefined && !isJsonMediaType(request.bodyType)) return original;
  const resolve = original.resolve.bind(original);
  const guarded: Endpoint<Db> = {
    ...original,
    resolve(req, ctx) {
      const problem = requestProblem(request, req);
      return problem ? refuse(problem) : resolve(req, ctx);
    },
  };
  unchecked.set(guarded, original);
  return guarded;
}

/** Each wrapped endpoint's original. */
const unchecked = new WeakMap<object, object>();
