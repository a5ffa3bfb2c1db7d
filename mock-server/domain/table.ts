// The build inlines @msw/data into this file's dist/ copy (package.json "build"): its root imports
// all of es-toolkit, 556 modules, for five functions.
import { Collection } from '@msw/data';
import type { z } from 'zod';

type Schema<T> = z.ZodType<T>;

export interface TableOptions<T> {
  schema: Schema<T>;
  /** The record's id: the key of `get`. */
  key(record: T): string;
  /** Further unique keys `get` also answers to (a product's SKU ids). */
  aliases?(record: T): readonly string[];
  /** A non-unique key for `group` (inventory by SKU). */
  groupBy?(record: T): string;
}

/**
 * One entity collection of the domain: an `@msw/data` collection plus O(1) indexes.
 * `Collection.findFirst` scans every record (about 16 ms at 100,000 orders), so every
 * lookup by id goes through a `Map` kept in step by the collection's hooks.
 */
export interface Table<T> {
  /** The underlying collection, for searches. Replaced by `reset`: do not keep it. */
  readonly collection: Collection<Schema<T>>;
  /** The stored record of this id (or alias), exactly as kept: do not mutate it. */
  get(key: string): T | undefined;
  has(key: string): boolean;
  /** Records whose `groupBy` value is `value`. */
  group(value: string): readonly T[];
  /** Every record, in insertion order (the collection's own array: do not mutate it). */
  all(): readonly T[];
  count(): number;
  /** Validates and stores a new record; rejects with the schema's issues when it is invalid. */
  insert(value: unknown): Promise<T>;
  insertMany(values: readonly unknown[]): Promise<void>;
  /** Applies `recipe` to a draft of the record and stores the result (a new object). */
  update(key: string, recipe: (draft: T) => void): Promise<T | undefined>;
  /** Replaces the record of `key` by `next` (validated). */
  replace(key: string, next: unknown): Promise<T | undefined>;
  remove(key: string): T | undefined;
  /**
   * A stored record as JSON text, exactly `JSON.stringify(record)`, kept for the records read
   * most recently: a record is replaced by every write, never edited, so its text never changes.
   */
  json(record: T): string;
  /**
   * Drops every record and loads `values` (a fresh collection: hooks on the old one are gone).
   * `trusted`: the caller vouches that each value is exactly what the schema would return for
   * it (a seed generator that a test validates), so no record is validated here, and hands the
   * values over: each plain object is kept as the record itself, not copied, so it must be
   * fresh (loaded nowhere else, changed by no one after).
   */
  load(values: readonly unknown[], options?: { trusted?: boolean }): Promise<void>;
}

/**
 * Initial values travel to the collection inside an instance of this class. `@msw/data`
 * first copies plain objects deeply to strip relation getters (we declare no relations);
 * that walk cost ~5 s of the ~6 s a 100,000-order load took. A non-plain wrapper skips it;
 * the zod schema still validates every field and returns plain objects.
 */
class Incoming {}

function incoming(value: unknown): never {
  return (value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.assign(new Incoming(), value)
    : value) as never;
}

/**
 * A record of a trusted load, carried past the collection's deep copy (a non-plain object) and
 * unwrapped by the schema unvalidated (see `Table.load`). It holds the record rather than a
 * copy of its fields: copying each record in and then out to a plain object again cost ~1.4 s
 * of CPU and as much again in garbage collection per environment at 100,000 orders.
 */
class Trusted {
  constructor(readonly record: unknown) {}
}

/**
 * The schema as the collection sees it: a trusted record is taken as it is instead of
 * validated. At 100,000 orders per environment validation cost ~3 s of zod and the garbage
 * of a second deep copy of every record.
 */
function trusting<T>(schema: Schema<T>): Schema<T> {
  const standard = schema['~standard'];
  const validate: typeof standard.validate = (value) => (value instanceof Trusted ? { value: value.record as T } : standard.validate(value));
  return { '~standard': { ...standard, validate } } as unknown as Schema<T>;
}

/**
 * Records whose JSON text a table keeps (`Table.json`), the oldest serialised going first:
 * a few MB at most, so a client that reads every record does not hold every text.
 */
const JSON_KEPT = 1_024;

/** Creates an indexed table over a new `@msw/data` collection. */
export function createTable<T>(options: TableOptions<T>): Table<T> {
  const byKey = new Map<string, T>();
  const groups = new Map<string, Map<string, T>>();
  const schema = trusting(options.schema);
  let collection = new Collection({ schema });
  // By record object: a write stores a new object, so a kept text is never stale.
  const texts = new Map<T, string>();

  function index(record: T): void {
    const key = options.key(record);
    byKey.set(key, record);
    for (const alias of options.aliases?.(record) ?? []) byKey.set(alias, record);
    if (options.groupBy) {
      const value = options.groupBy(record);
      let members = groups.get(value);
      if (!members) groups.set(value, (members = new Map()));
      members.set(key, record);
    }
  }

  function unindex(record: T): void {
    texts.delete(record);
    const key = options.key(record);
    byKey.delete(key);
    for (const alias of options.aliases?.(record) ?? []) {
      const held = byKey.get(alias);
      // An alias another record also claims stays with that record.
      if (held !== undefined && options.key(held) === key) byKey.delete(alias);
    }
    if (options.groupBy) groups.get(options.groupBy(record))?.delete(key);
  }

  async function open(values: readonly unknown[], trusted: boolean): Promise<Collection<Schema<T>>> {
    const c = new Collection({ schema });
    // Bulk load first, hooks after: an async hook per record (`emitAsPromise`) cost ~3 s
    // at 100,000 orders; indexing the loaded array directly costs milliseconds.
    await c.createMany(values.length, (i) => (trusted ? (new Trusted(values[i]) as never) : incoming(values[i])));
    for (const record of c.all()) index(record as T);
    c.hooks.on('create', (e) => index(e.data.record as T));
    // No hook on `update`: the collection fires it with the draft before the schema judges it, so
    // a refused update would leave the index on a record the collection never kept (every later
    // write of that record then failing). `update` and `replace` below index the stored result.
    c.hooks.on('delete', (e) => unindex(e.data.deletedRecord as T));
    return c;
  }

  /** The record as the collection holds it (the same object `get` returns). */
  function stored(key: string): T | undefined {
    return byKey.get(key);
  }

  async function swap(prev: T, next: T): Promise<T> {
    unindex(prev);
    index(next);
    return next;
  }

  return {
    get collection() {
      return collection;
    },
    get: (key) => byKey.get(key),
    has: (key) => byKey.has(key),
    group: (value) => [...(groups.get(value)?.values() ?? [])],
    all: () => collection.all() as unknown as readonly T[],
    count: () => collection.count(),
    async insert(value) {
      return (await collection.create(incoming(value))) as T;
    },
    async insertMany(values) {
      await collection.createMany(values.length, (i) => incoming(values[i]));
    },
    async update(key, recipe) {
      const prev = stored(key);
      if (prev === undefined) return undefined;
      const next = await collection.update(prev as never, { data: recipe as never });
      return next === undefined ? undefined : swap(prev, next as T);
    },
    async replace(key, value) {
      const prev = stored(key);
      if (prev === undefined) return undefined;
      const next = await collection.update(prev as never, {
        data: (draft) => {
          const target = draft as Record<string, unknown>;
          const source = value as Record<string, unknown>;
          for (const k of Object.keys(target)) if (!(k in source)) delete target[k];
          Object.assign(target, source);
        },
      });
      return next === undefined ? undefined : swap(prev, next as T);
    },
    remove(key) {
      const prev = stored(key);
      if (prev === undefined) return undefined;
      collection.delete(prev as never);
      return prev;
    },
    json(record) {
      let text = texts.get(record);
      if (text === undefined) {
        text = JSON.stringify(record);
        if (texts.size >= JSON_KEPT) texts.delete(texts.keys().next().value!);
        texts.set(record, text);
      }
      return text;
    },
    async load(values, loadOptions = {}) {
      byKey.clear();
      groups.clear();
      texts.clear();
      collection = await open(values, loadOptions.trusted === true);
    },
  };
}
