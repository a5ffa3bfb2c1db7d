/**
 * Generators for the property-based fuzzing of every endpoint (`fuzz.test.ts`), driven by the
 * schemas the endpoint table already declares: a request schema as JSON Schema
 * (`jsonSchemaOf`, what the OpenAPI document publishes) gives valid-shaped query parameters
 * and bodies, and a few generic mutations turn them hostile (wrong types, missing and extra
 * fields, huge strings, unicode, nested junk, secrets planted).
 *
 * Values that depend on the mock's state when the request is sent (an id the data holds, a
 * secret of the mock) are generated as holes (`Known`, `Planted`; `Raw` for a path segment sent as it is) and filled in by `fill`
 * just before sending, so a run is a plain, printable, shrinkable value.
 */
import fc from 'fast-check';
import type { Endpoint } from '../handlers/endpoint.ts';
import { type JsonSchema, isJsonMediaType, jsonSchemaOf } from '../handlers/request-schema.ts';

// ---------------------------------------------------------------------------------------
// Holes

/**
 * A value the data (or an earlier answer) holds: under a field of this name, or a key of a table
 * the hints name (a path's `{orderId}` after `/Orders`: the orders' keys). An id that exists.
 */
export class Known {
  constructor(
    readonly key: string,
    readonly pick: number,
    readonly hints: readonly string[] = [],
  ) {}
}

/** One of the planted secrets (the bait API user's), after `pad` spaces: a body cut in the journal may cut it. */
export class Planted {
  constructor(
    readonly pick: number,
    readonly pad: number,
  ) {}
}

/** A path segment sent as it is, not encoded: malformed escapes (`%E0%A4%A`), a lone `%`. */
export class Raw {
  constructor(readonly text: string) {}
}

/** What `fill` draws from: values of the data by field name, and the secrets that may be planted. */
export interface Pools {
  /** Strings seen under each field name (lower case), in the seed data and in earlier answers. */
  readonly byKey: Map<string, string[]>;
  /** Record keys by table (its name normalised, `resourceName`): the seed's tables, and the ids answers of an endpoint carried. */
  readonly tables: Map<string, string[]>;
  /** Secrets a request may carry without the response check minding an echo (the bait user's). */
  readonly planted: readonly string[];
}

const MAX_POOL = 200;
const MAX_POOLED_LENGTH = 200;

/** A table's or a path segment's name as one word: `PrivateCustomers`, `privateCustomers` and `private-customer` alike. */
export const resourceName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/s$/, '');

/** Adds `text` to a pool, the oldest going when it is full: a long run keeps drawing ids the mock still holds (a scroll's). */
function pooled(list: string[], text: string): void {
  if (text === '' || text.length > MAX_POOLED_LENGTH || list.includes(text)) return;
  list.push(text);
  if (list.length > MAX_POOL) list.shift();
}

/** Adds the strings (and numbers, as strings) of `value` to the pools by the name they are under. */
export function learn(pools: Pools, value: unknown, key = '', depth = 0): void {
  if (depth > 12) return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 50)) learn(pools, item, key, depth + 1);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) learn(pools, v, k, depth + 1);
    return;
  }
  if (key === '' || (typeof value !== 'string' && typeof value !== 'number')) return;
  const name = key.toLowerCase();
  const list = pools.byKey.get(name) ?? [];
  pooled(list, String(value));
  pools.byKey.set(name, list);
}

/** Adds the ids an answer of the resource at `path` carried (`id` fields, a few levels down) to that resource's table. */
export function learnIds(pools: Pools, path: string, body: unknown): void {
  const resource = path.split('/').filter((p) => p && !p.startsWith('{')).at(-1);
  if (resource === undefined) return;
  const table = pools.tables.get(resourceName(resource)) ?? [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 3 || typeof value !== 'object' || value === null) return;
    for (const [k, v] of Object.entries(value)) {
      if (k.toLowerCase() === 'id' && (typeof v === 'string' || typeof v === 'number')) pooled(table, String(v));
      else walk(v, depth + 1);
    }
  };
  walk(body, 0);
  if (table.length > 0) pools.tables.set(resourceName(resource), table);
}

/** Pools from a profile's snapshot (`{ table: { key: record } }`) and the secrets to plant. */
export function createPools(snapshot: object, planted: readonly string[]): Pools {
  const pools: Pools = { byKey: new Map(), tables: new Map(), planted };
  for (const [name, records] of Object.entries(snapshot)) {
    if (typeof records !== 'object' || records === null) continue;
    const keys = Object.keys(records);
    if (keys.length > 0) pools.tables.set(resourceName(name), keys);
    for (const record of Object.values(records).slice(0, 100)) learn(pools, record);
  }
  return pools;
}

/** The keys of the tables a hole's hints name: a table whose name is the hint, or ends with it (`customer`: private and business customers). */
function tablesFor(hole: Known, pools: Pools): string[] {
  const hints = hole.hints.map(resourceName).filter((h) => h.length >= 3);
  return [...pools.tables].filter(([name]) => hints.some((h) => name === h || name.endsWith(h))).flatMap(([, keys]) => keys);
}

/** `hole` filled in from the pools as they are now: mostly a value it names, at times any table's key (an id of something else). */
function fillHole(hole: Known | Planted, pools: Pools): string {
  if (hole instanceof Planted) return `${' '.repeat(hole.pad)}${pools.planted[hole.pick % pools.planted.length]!}`;
  const own = [...(pools.byKey.get(hole.key.toLowerCase()) ?? []), ...tablesFor(hole, pools)];
  if (own.length > 0 && hole.pick % 4 !== 3) return own[(hole.pick >> 2) % own.length]!;
  const tables = [...pools.tables.values()];
  if (tables.length === 0) return own[0] ?? `no-${hole.key}`;
  const table = tables[(hole.pick >> 2) % tables.length]!;
  return table[Math.floor(hole.pick / 4 / tables.length) % table.length]!;
}

/** `value` with every hole filled in. */
export function fill(value: unknown, pools: Pools): unknown {
  if (value instanceof Known || value instanceof Planted) return fillHole(value, pools);
  if (Array.isArray(value)) return value.map((v) => fill(v, pools));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, pools)]));
  return value;
}

const known = (key: string, hints: readonly string[] = []) => fc.nat().map((pick) => new Known(key, pick, hints));
const planted = fc.record({ pick: fc.nat(), pad: fc.oneof(fc.constant(0), fc.nat({ max: 3_000 })) }).map(({ pick, pad }) => new Planted(pick, pad));

// ---------------------------------------------------------------------------------------
// Hostile values

/** A long run of one character (or a short piece): past any field's length, cheap to make. */
export const hugeString = fc
  .record({
    piece: fc.constantFrom('x', 'é', '😀', '\u0000', '"', '\\', '<script>', '%00', '\u202e', '﷽'),
    times: fc.integer({ min: 1_000, max: 100_000 }),
  })
  .map(({ piece, times }) => piece.repeat(Math.ceil(times / piece.length)));

/** Any unicode, lone surrogates included. */
export const unicodeString = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

/** Arrays and objects nested `depth` deep (past the mock's JSON depth limit of 64 at times). */
export const deepNest = fc.record({ depth: fc.integer({ min: 2, max: 100 }), array: fc.boolean() }).map(({ depth, array }) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
});

/** A value of any JSON type, often of the wrong one, often at an edge. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 3, arbitrary: fc.constantFrom(0, -1, 1.5, -0.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, true, false, null, '', ' ', 'null', 'true', '0', '-1', '[]', '{}', 'NaN', 'Infinity', '1e309', '2026-13-45T25:61:61Z', 'undefined', '../../etc/passwd', "' OR '1'='1", '${jndi:ldap://x}', '<img src=x onerror=alert(1)>') },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: unicodeString },
  { weight: 1, arbitrary: deepNest },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 30 }) },
);

/** Field and parameter names a request should not carry: unknown, differently cased, prototype-ish. */
export const strangeName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  unicodeString.filter((s) => s.length > 0),
  fc.constantFrom('constructor', 'prototype', 'toString', 'hasOwnProperty', 'ID', 'Id', 'STATUS', 'storeID', 'role', 'roles', 'isAdmin', 'paid_total', 'store_id', 'tenant', '', ' ', '$where', 'a.b', 'a[b]', 'a[]'),
);

// ---------------------------------------------------------------------------------------
// Valid-shaped values from JSON Schema

interface Walk {
  readonly defs: Readonly<Record<string, JsonSchema>>;
  /** `$ref`s followed so far (a schema that contains itself stops generating below its first repeat). */
  readonly seen: ReadonlySet<string>;
  /** The field name the value is for, to draw known values by. */
  readonly name: string;
}

const MAX_ITEMS = 3;

/** A string of a format or pattern, or else a known value or some text. */
function stringOf(s: JsonSchema, walk: Walk): fc.Arbitrary<unknown> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined;
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'email') return fc.emailAddress();
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern));
  const text = fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(max ?? 16, min, 1) });
  return walk.name ? fc.oneof({ weight: 3, arbitrary: known(walk.name) }, { weight: 1, arbitrary: text }) : text;
}

/** A number within the schema's bounds, small ones more often. */
function numberOf(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lower = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + (integer ? 1 : 1e-6) : -1_000_000;
  const upper = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - (integer ? 1 : 1e-6) : 1_000_000;
  const low = Math.ceil(Math.max(lower, -1e9));
  const high = Math.floor(Math.min(upper, 1e9));
  const near = fc.integer({ min: low, max: Math.max(low, Math.min(high, low + 20)) });
  if (integer) return fc.oneof(near, fc.integer({ min: low, max: Math.max(low, high) }));
  return fc.oneof(near, fc.double({ min: lower, max: upper, noNaN: true, noDefaultInfinity: true }));
}

/**
 * Values `schema` accepts (JSON Schema 2020-12 as `jsonSchemaOf` writes it): objects with their
 * required fields and some optional ones, strings of their format, known ids for named fields.
 */
export function valueOf(schema: unknown, walk: Walk): fc.Arbitrary<unknown> {
  if (schema === true || schema === undefined) return fc.jsonValue({ maxDepth: 1 });
  if (schema === false || typeof schema !== 'object' || schema === null) return fc.constant(null);
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string') {
    const id = s.$ref.replace(/^#\/\$defs\//, '');
    if (walk.seen.has(id) || !walk.defs[id]) return fc.constant(null);
    return valueOf(walk.defs[id], { ...walk, seen: new Set([...walk.seen, id]) });
  }
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const branches = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null) as unknown[] | null;
  if (branches) return fc.oneof(...branches.map((b) => valueOf(b, walk)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return valueOf(s.allOf[0], walk);
  const types = (Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type]) as string[];
  if (types.length > 1) return fc.oneof(...types.map((type) => valueOf({ ...s, type }, walk)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberOf(s, true);
    case 'number':
      return numberOf(s, false);
    case 'string':
      return stringOf(s, walk);
    case 'array': {
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof s.maxItems === 'number' ? s.maxItems : MAX_ITEMS, MAX_ITEMS));
      return fc.array(valueOf(s.items ?? true, walk), { minLength, maxLength });
    }
    case 'object':
    case undefined: {
      if (types[0] === undefined && s.properties === undefined) return fc.jsonValue({ maxDepth: 1 });
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      const fields = Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, valueOf(sub, { ...walk, name })]));
      const record = fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => required.has(k)) });
      const open = s.additionalProperties;
      // A map of its own (no fields, any names): a few entries.
      if (Object.keys(properties).length === 0 && open !== false) {
        return fc.dictionary(fc.string({ maxLength: 8 }), valueOf(open === undefined ? true : open, { ...walk, name: '' }), { maxKeys: 3 });
      }
      return record;
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

// ---------------------------------------------------------------------------------------
// Mutations

/** One hostile change to a valid-shaped value, at its `at`-th node (counted depth first, the root first). */
export type Mutation =
  | { readonly kind: 'replace'; readonly at: number; readonly with: unknown }
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'extra'; readonly at: number; readonly name: string; readonly value: unknown }
  | { readonly kind: 'plant'; readonly at: number; readonly secret: Planted };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: junk }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), name: strangeName, value: junk }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('plant' as const), at: fc.nat(), secret: planted }) },
);

interface Node {
  parent: Record<string, unknown> | unknown[] | null;
  key: string | number;
  value: unknown;
}

function nodesOf(root: unknown): Node[] {
  const out: Node[] = [{ parent: null, key: '', value: root }];
  for (let i = 0; i < out.length && out.length < 2_000; i++) {
    const { value } = out[i]!;
    if (Array.isArray(value)) value.forEach((v, k) => out.push({ parent: value, key: k, value: v }));
    else if (typeof value === 'object' && value !== null && !(value instanceof Known) && !(value instanceof Planted)) {
      for (const [k, v] of Object.entries(value)) out.push({ parent: value as Record<string, unknown>, key: k, value: v });
    }
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Known) && !(v instanceof Planted);

/** `value` with the mutations applied (a copy; `undefined` when the root itself was dropped). */
export function mutate(value: unknown, mutations: readonly Mutation[]): unknown {
  let root = structuredCloneHoles(value);
  for (const m of mutations) {
    const nodes = nodesOf(root);
    const node = nodes[m.at % nodes.length]!;
    const set = (v: unknown) => {
      if (node.parent === null) root = v;
      else (node.parent as Record<string | number, unknown>)[node.key] = v;
    };
    // Copies: a generated value is replayed while shrinking, so nothing here may change it.
    if (m.kind === 'replace') set(structuredCloneHoles(m.with));
    else if (m.kind === 'plant') set(m.secret);
    else if (m.kind === 'drop') {
      if (node.parent === null) root = undefined;
      else if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
      else delete node.parent[node.key as string];
    } else {
      const target = isRecord(node.value) ? node.value : isRecord(node.parent) ? node.parent : isRecord(root) ? root : null;
      if (target) target[m.name] = structuredCloneHoles(m.value);
    }
  }
  return root;
}

/** A deep copy that keeps holes as they are. */
function structuredCloneHoles(value: unknown): unknown {
  if (value instanceof Known || value instanceof Planted) return value;
  if (Array.isArray(value)) return value.map(structuredCloneHoles);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneHoles(v)]));
  return value;
}

// ---------------------------------------------------------------------------------------
// Requests

/** Who sends a request: the callers the test prepares (see `fuzz.test.ts`). */
export type Caller = 'owner' | 'scoped' | 'lacking' | 'none' | 'forged' | 'basic';

/** A request's body, before its holes are filled. */
export type FuzzBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown; readonly contentType: string | null }
  | { readonly kind: 'form'; readonly fields: readonly (readonly [unknown, unknown])[] }
  | { readonly kind: 'raw'; readonly text: string; readonly contentType: string | null };

/** One generated request to one endpoint. */
export interface FuzzRequest {
  readonly caller: Caller;
  /** Path parameters by name. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Query parameters in order (a name may repeat). */
  readonly query: readonly (readonly [unknown, unknown])[];
  /** Appended to the query string as it is (malformed escapes, brackets). */
  readonly rawQuery: string;
  readonly body: FuzzBody;
  /** Sends the path's fixed segments in other casing (the routes are case-insensitive). */
  readonly recase: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/json', 'application/problem+json', 'APPLICATION/JSON'];
const OTHER_TYPES = ['text/plain', 'application/xml', 'multipart/form-data', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'text/html', ';;;', 'application/'];

const rawBodies = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1}}', 'nul', '\u0000', '{"a":"\\ud800"}', "{'a':1}", '{"a":1,}', '1 2', '"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', ' ', '\ufeff{}'),
  fc.string({ maxLength: 40 }),
  unicodeString,
);

const rawQueries = fc.constantFrom('', '', '', '', '%', '%zz', '%E0%A4%A', 'a[b]=c', 'a[]=1&a[]=2', '&&&', '=x', 'a=%00', '__proto__[x]=1', 'constructor[prototype][x]=1', 'x=1&x=2&x=3');

/** The query schema's fields as strings, as a client writes them (an array repeats its key). */
function queryEntries(value: unknown): [unknown, unknown][] {
  if (!isRecord(value)) return [];
  const out: [unknown, unknown][] = [];
  for (const [name, v] of Object.entries(value)) {
    for (const one of Array.isArray(v) ? v : [v]) out.push([name, one instanceof Known || one instanceof Planted ? one : one === null ? '' : typeof one === 'object' ? JSON.stringify(one) : String(one)]);
  }
  return out;
}

type QueryMutation =
  | { kind: 'replace'; at: number; with: unknown }
  | { kind: 'drop'; at: number }
  | { kind: 'extra'; name: unknown; value: unknown }
  | { kind: 'repeat'; at: number };

const queryValue = fc.oneof(junk.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')), planted);
const queryMutation: fc.Arbitrary<QueryMutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: queryValue }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extra' as const), name: fc.oneof({ weight: 4, arbitrary: strangeName }, { weight: 1, arbitrary: planted }), value: queryValue }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
);

function mutateQuery(entries: [unknown, unknown][], mutations: readonly QueryMutation[]): [unknown, unknown][] {
  const out = [...entries];
  for (const m of mutations) {
    if (m.kind === 'extra') out.push([m.name, m.value]);
    else if (out.length === 0) continue;
    else if (m.kind === 'replace') out[m.at % out.length] = [out[m.at % out.length]![0], m.with];
    else if (m.kind === 'drop') out.splice(m.at % out.length, 1);
    else out.push(out[m.at % out.length]!);
  }
  return out;
}

/** The endpoint's body schema as JSON Schema, `null` when it reads none. */
function schemaOf(endpoint: Endpoint, part: 'query' | 'body'): { schema: JsonSchema; defs: Record<string, JsonSchema> } | null {
  const zod = endpoint.request?.[part];
  if (!zod) return null;
  const schema = jsonSchemaOf(zod, 'input');
  return { schema, defs: (schema.$defs ?? {}) as Record<string, JsonSchema> };
}

/** A valid-shaped value of the endpoint's query or body, or `{}` when it declares none. */
function shaped(endpoint: Endpoint, part: 'query' | 'body'): fc.Arbitrary<unknown> {
  const found = schemaOf(endpoint, part);
  return found ? valueOf(found.schema, { defs: found.defs, seen: new Set(), name: '' }) : fc.constant({});
}

/** Path parameters: an id the data holds, one that does not exist, a huge or strange one, a secret. */
function pathParam(name: string, before: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: known(name, [name.replace(/Id$/, ''), before]) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: unicodeString.filter((s) => s.length > 0) },
    { weight: 1, arbitrary: fc.constantFrom('0', '-1', '00000000-0000-0000-0000-000000000000', 'null', 'undefined', '%', '..%2f..', 'a/b', 'a?b', 'a#b', ' ', 'x'.repeat(999), 'x'.repeat(1_001)) },
    { weight: 1, arbitrary: planted },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%F0%9F%98').map((t) => new Raw(t)) },
  );
}

/** The body a request to `endpoint` sends: valid-shaped (often), mutated, malformed, or of another type. */
function bodyFor(endpoint: Endpoint): fc.Arbitrary<FuzzBody> {
  const request = endpoint.request;
  const form = request?.bodyType !== undefined && !isJsonMediaType(request.bodyType);
  const valid = shaped(endpoint, 'body');
  const mutated = fc.record({ value: valid, mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }).map(({ value, mutations }) => mutate(value, mutations));
  const json = (value: fc.Arbitrary<unknown>) =>
    fc.record({ kind: fc.constant('json' as const), value, contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(null, ...JSON_TYPES) }) });
  const raw = fc.record({ kind: fc.constant('raw' as const), text: rawBodies, contentType: fc.constantFrom(null, ...JSON_TYPES, ...OTHER_TYPES) });
  const none = fc.constant({ kind: 'none' as const });
  if (request?.body === undefined) {
    // An endpoint that reads no body: mostly none, sometimes junk it must ignore or refuse.
    if (endpoint.method === 'GET') return none;
    return fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: json(junk) }, { weight: 1, arbitrary: raw });
  }
  if (form) {
    const fields = (value: fc.Arbitrary<unknown>) => value.map((v) => ({ kind: 'form' as const, fields: queryEntries(v) }));
    return fc.oneof({ weight: 5, arbitrary: fields(valid) }, { weight: 3, arbitrary: fields(mutated) }, { weight: 1, arbitrary: json(valid) }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: none });
  }
  return fc.oneof({ weight: 5, arbitrary: json(valid) }, { weight: 4, arbitrary: json(mutated) }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: none });
}

const callers = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Caller>('owner') },
  { weight: 3, arbitrary: fc.constant<Caller>('scoped') },
  { weight: 2, arbitrary: fc.constant<Caller>('lacking') },
  { weight: 1, arbitrary: fc.constantFrom<Caller>('none', 'forged', 'basic') },
);

/** Headers a client may set that the mock reads (a proxy's forwarded host goes into Laravel's links). */
const extraHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        'x-forwarded-host': fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
        'x-forwarded-proto': fc.constantFrom('https', 'http', 'javascript', 'x'),
        accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'),
      },
      { requiredKeys: [] },
    ),
  },
);

/** Requests to one endpoint, from its request schemas: valid-shaped ones, hostile ones, and ones from callers who may not. */
export function requestFor(endpoint: Endpoint): fc.Arbitrary<FuzzRequest> {
  // Each parameter with the segment before it: `/api/Orders/{orderId}` names the orders.
  const names = [...endpoint.path.matchAll(/([^/{}]*)\/\{(\w+)\}/g)].map((m) => [m[2]!, m[1]!] as const);
  const params = fc.record(Object.fromEntries(names.map(([n, before]) => [n, pathParam(n, before)])));
  const query = fc
    .record({ value: shaped(endpoint, 'query'), mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(queryMutation, { minLength: 1, maxLength: 3 }) }) })
    .map(({ value, mutations }) => mutateQuery(queryEntries(value), mutations));
  return fc.record({
    caller: callers,
    params,
    query,
    rawQuery: rawQueries,
    body: bodyFor(endpoint),
    recase: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    headers: extraHeaders,
  });
}

// ---------------------------------------------------------------------------------------
// Sending

/** A request ready to send. */
export interface Concrete {
  readonly method: string;
  /** Path and query, encoded. */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** `text` with each lone surrogate replaced by U+FFFD (what `String.prototype.toWellFormed` does, beyond our ES2023 lib). */
const wellFormed = (text: string): string => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** A string fit for a URL (lone surrogates replaced; `.` and `..` would be resolved away by the client). */
function segment(value: unknown): string {
  const text = wellFormed(String(value));
  return text === '.' || text === '..' ? `${text}x` : encodeURIComponent(text);
}

const recased = (s: string) => s.replace(/[a-z]/gi, (c, i: number) => (i % 2 ? c.toUpperCase() : c.toLowerCase()));

/** The request with its holes filled from the pools, as bytes to send (headers other than the credential). */
export function concrete(endpoint: Endpoint, req: FuzzRequest, pools: Pools): Concrete {
  const path = endpoint.path
    .split('/')
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      const value = param ? req.params[param[1]!] : undefined;
      if (value instanceof Raw) return value.text;
      if (param) return segment(fill(value, pools));
      return req.recase ? recased(part) : part;
    })
    .join('/');
  const pairs = req.query.map(([name, value]) => `${segment(fill(name, pools))}=${segment(fill(value, pools))}`);
  if (req.rawQuery) pairs.push(req.rawQuery);
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  const b = req.body;
  if (b.kind === 'json') {
    const filled = fill(b.value, pools);
    body = filled === undefined ? undefined : JSON.stringify(filled);
    if (body !== undefined && b.contentType) headers['content-type'] = b.contentType;
  } else if (b.kind === 'form') {
    body = new URLSearchParams(b.fields.map(([k, v]): [string, string] => [wellFormed(String(fill(k, pools))), wellFormed(String(fill(v, pools)))])).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (b.kind === 'raw') {
    body = b.text;
    if (b.contentType) headers['content-type'] = b.contentType;
  }
  return { method: endpoint.method, target: pairs.length ? `${path}?${pairs.join('&')}` : path, headers, body };
}
