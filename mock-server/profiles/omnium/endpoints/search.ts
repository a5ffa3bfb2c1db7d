/**
 * What every resolver shares: reading bodies and query strings, Omnium's search paging
 * (omnium-api.md A4), the search wrapper, sort orders, date filters, scope tests, and
 * Omnium's patch semantics.
 */
import { fieldPath } from '../../../../zod-issues.ts';
import type { Scope } from '../../../auth/scope.ts';
import type { Product, Store } from '../domain/index.ts';
import { reply, type ApiRequest, type ApiResponse } from '../endpoint.ts';

export const DEFAULT_TAKE = 20;
export const MAX_TAKE = 100;
/** `take * page` may not exceed this. */
export const MAX_WINDOW = 10_000;
/** Largest batch a scroll hands out. */
export const MAX_SCROLL_BATCH = 1_000;
/** Largest bulk request (`AddMany`, `UpdateMany`). */
export const MAX_BATCH = 1_000;

export type Json = Record<string, unknown>;

/** Which records of a search to return. */
export interface Paging {
  skip: number;
  take: number;
}

/** `Omnium{T}OmniumSearchResult`. */
export interface SearchResult<T> {
  result: T[];
  totalHits: number;
  facets: unknown[];
  scrollId: null;
  isValid: true;
}

export function isResponse(value: unknown): value is ApiResponse {
  return typeof value === 'object' && value !== null && 'status' in value && typeof (value as ApiResponse).status === 'number';
}

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON body as an object, or an empty one. */
export function bodyObject(req: ApiRequest): Json {
  return isPlainObject(req.body) ? req.body : {};
}

/** A query parameter as one string (the first, when repeated). */
export function queryString(req: ApiRequest, name: string): string | undefined {
  const value = queryValue(req, name);
  return Array.isArray(value) ? value[0] : value;
}

/** A query parameter as a list: repeated keys (`?storeId=a&storeId=b`) and commas both count. */
export function queryList(req: ApiRequest, name: string): string[] {
  const value = queryValue(req, name);
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** A boolean query parameter (`true`/`false`, any case), or `undefined`. */
export function queryBoolean(req: ApiRequest, name: string): boolean | undefined {
  const value = queryString(req, name)?.toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Query keys are matched case-insensitively, as ASP.NET model binding does. */
function queryValue(req: ApiRequest, name: string): string | string[] | undefined {
  if (name in req.query) return req.query[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(req.query)) if (key.toLowerCase() === lower) return req.query[key];
  return undefined;
}

/** A list of strings from a body field (`["a","b"]` or `"a"`); empty when absent. */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toInt(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) ? n : null;
}

/** Paging of a Search body: `take` (default 20, at most 100) and 0-based `page`; a 400 text otherwise. */
export function searchPaging(take: unknown, page: unknown): Paging | ApiResponse {
  const t = toInt(take);
  const p = toInt(page);
  if (t === null || (t !== undefined && t < 0)) return reply.text('Take must be a non-negative integer.', 400);
  if (p === null || (p !== undefined && p < 0)) return reply.text('Page must be a non-negative integer.', 400);
  const size = t ?? DEFAULT_TAKE;
  const index = p ?? 0;
  if (size > MAX_TAKE) return reply.text(`Take can not be larger than ${MAX_TAKE}.`, 400);
  if (size * index > MAX_WINDOW) return reply.text(`Take * Page can not be larger than ${MAX_WINDOW}. Use Scroll to read deeper.`, 400);
  return { skip: size * index, take: size };
}

/** Paging of `GetOrders`: 1-based `page` (default 1) and `pageSize` (1..100, default 20). */
export function pagePaging(pageSize: unknown, page: unknown): Paging | ApiResponse {
  const size = toInt(pageSize);
  const p = toInt(page);
  if (size === null || (size !== undefined && (size < 1 || size > MAX_TAKE)))
    return reply.text(`PageSize must be between 1 and ${MAX_TAKE}.`, 400);
  if (p === null || (p !== undefined && p < 1)) return reply.text('Page must be 1 or more.', 400);
  const take = size ?? DEFAULT_TAKE;
  const skip = take * ((p ?? 1) - 1);
  if (skip > MAX_WINDOW) return reply.text(`PageSize * Page can not be larger than ${MAX_WINDOW}.`, 400);
  return { skip, take };
}

/** The search wrapper around one page of `hits`. */
export function searchResult<T, R = T>(hits: readonly T[], paging: Paging, map?: (hit: T) => R): SearchResult<R> {
  const page = hits.slice(paging.skip, paging.skip + paging.take);
  return {
    result: (map ? page.map(map) : page) as R[],
    totalHits: hits.length,
    facets: [],
    scrollId: null,
    isValid: true,
  };
}

/** Batch size of a scroll: `take` when given (at most 1,000), else 1,000. */
export function scrollBatch(take: unknown): number | ApiResponse {
  const t = toInt(take);
  if (t === null || (t !== undefined && t < 0)) return reply.text('Take must be a non-negative integer.', 400);
  if (t !== undefined && t > MAX_SCROLL_BATCH) return reply.text(`Take can not be larger than ${MAX_SCROLL_BATCH} on a scroll.`, 400);
  return t || MAX_SCROLL_BATCH;
}

export const SORT_ORDERS = ['CreatedAscending', 'CreatedDescending', 'ModifiedAscending', 'ModifiedDescending', 'DocumentId'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** The sort order of a request (unknown values fall back to `fallback`). */
export function sortOrder(value: unknown, fallback: SortOrder): SortOrder {
  return SORT_ORDERS.find((s) => typeof value === 'string' && s.toLowerCase() === value.toLowerCase()) ?? fallback;
}

/** Sorts a copy of `hits`. ISO-8601 UTC dates sort as strings. */
export function sortHits<T extends { created: string; modified: string }>(hits: T[], order: SortOrder, id: (hit: T) => string): T[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  switch (order) {
    case 'CreatedAscending':
      return hits.sort((a, b) => cmp(a.created, b.created));
    case 'CreatedDescending':
      return hits.sort((a, b) => cmp(b.created, a.created));
    case 'ModifiedAscending':
      return hits.sort((a, b) => cmp(a.modified, b.modified));
    case 'ModifiedDescending':
      return hits.sort((a, b) => cmp(b.modified, a.modified));
    case 'DocumentId':
      return hits.sort((a, b) => cmp(id(a), id(b)));
  }
}

/** A date of a request as ISO-8601 UTC (comparable with stored dates), `undefined` when absent, `null` when invalid. */
export function isoDate(value: unknown): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Reads the named date fields of a body; a 400 text names the first invalid one. */
export function dateFields<K extends string>(body: Json, names: readonly K[]): Partial<Record<K, string>> | ApiResponse {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = isoDate(body[name]);
    if (value === null) return reply.text(`The value of ${name} is not a valid date.`, 400);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Whether `value` lies within the optional inclusive bounds. */
export function within(value: string, from: string | undefined, to: string | undefined): boolean {
  return (from === undefined || value >= from) && (to === undefined || value <= to);
}

/** A store (or warehouse) is in scope when its id is and one of its markets is. */
export function storeInScope(scope: Scope, store: Store): boolean {
  return (
    scope.allowsStore(store.id) &&
    (store.availableOnMarkets.length === 0 || store.availableOnMarkets.some((m) => scope.allowsMarket(m)))
  );
}

/** A product is visible when it is sold in an allowed store and market (empty lists mean all). */
export function productInScope(scope: Scope, product: Product): boolean {
  return (
    (product.storeIds.length === 0 || product.storeIds.some((s) => scope.allowsStore(s))) &&
    (product.marketIds.length === 0 || product.marketIds.some((m) => scope.allowsMarket(m)))
  );
}

/** The response of a patch or bulk update: the union of the shapes Omnium documents (A10). */
export function updateResult(counts: { total?: number; updated: number; notFound?: number }) {
  const total = counts.total ?? 1;
  return {
    errorCount: 0,
    errorMessage: null,
    isModified: counts.updated > 0,
    totalCount: total,
    updatedCount: counts.updated,
    unchangedCount: total - counts.updated - (counts.notFound ?? 0),
    notFoundCount: counts.notFound ?? 0,
  };
}

const PATCH_CONTROLS = new Set([
  'keepExistingCustomProperties',
  'keepExistingListItems',
  'propertiesRemovalConditions',
  'forceUpdate',
]);

/**
 * Omnium's PATCH semantics (omnium-api.md A4) on a plain copy of a record: only supplied
 * fields change; `properties` merge by key unless `keepExistingCustomProperties: false`;
 * `tags`/`externalIds` merge unless `keepExistingListItems: false`;
 * `propertiesRemovalConditions` removes properties first; `null` changes a field only when
 * it is named in `forceUpdate`. Fields in `fixed` (ids) are never changed.
 */
export function applyPatch(target: Json, patch: Json, fixed: readonly string[]): void {
  const keepProperties = patch.keepExistingCustomProperties !== false;
  const keepLists = patch.keepExistingListItems !== false;
  const force = new Set(stringList(patch.forceUpdate).map((f) => f.toLowerCase()));
  const removals = Array.isArray(patch.propertiesRemovalConditions)
    ? patch.propertiesRemovalConditions.filter(isPlainObject).map((c) => c.key)
    : [];
  if (removals.length > 0 && Array.isArray(target.properties)) {
    target.properties = target.properties.filter((p) => !(isPlainObject(p) && removals.includes(p.key)));
  }
  // ASP.NET binds names without regard to case: `CustomerPhone` patches `customerPhone`, not a field of its own.
  const own = new Map(Object.keys(target).map((k) => [k.toLowerCase(), k]));
  for (const [sent, value] of Object.entries(patch)) {
    const key = own.get(sent.toLowerCase()) ?? sent;
    if (PATCH_CONTROLS.has(key) || fixed.includes(key)) continue;
    if (value === null || value === undefined) {
      if (force.has(key.toLowerCase())) target[key] = null;
      continue;
    }
    const current = target[key];
    if (key === 'properties' && Array.isArray(value)) {
      target[key] = keepProperties && Array.isArray(current) ? mergeBy(current, value, (p) => String(p.key)) : value;
    } else if (key === 'externalIds' && Array.isArray(value)) {
      target[key] = keepLists && Array.isArray(current) ? mergeBy(current, value, (e) => `${String(e.providerName)}\u0000${String(e.id)}`) : value;
    } else if (key === 'tags' && Array.isArray(value)) {
      target[key] = keepLists && Array.isArray(current) ? [...new Set([...current, ...value])] : value;
    } else if (isPlainObject(value) && isPlainObject(current)) {
      const merged = { ...current };
      applyPatch(merged, value, []);
      target[key] = merged;
    } else {
      target[key] = value;
    }
  }
}

function mergeBy(current: unknown[], incoming: unknown[], key: (item: Json) => string): unknown[] {
  const out = new Map<string, unknown>();
  for (const item of current) if (isPlainObject(item)) out.set(key(item), item);
  for (const item of incoming) if (isPlainObject(item)) out.set(key(item), item);
  return [...out.values()];
}

/** A deep, plain copy of a stored record (to patch without touching the stored one). */
export function plainCopy<T>(record: T): Json {
  return JSON.parse(JSON.stringify(record)) as Json;
}

/** The first problem of a failed schema check as one sentence naming the field. */
export function schemaMessage(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'The request is invalid.';
  const path = fieldPath(issue.path);
  return path ? `The field '${path}' is invalid: ${issue.message}.` : `The request is invalid: ${issue.message}.`;
}

/** `The X field is required.` (ASP.NET's wording) for the first missing string field, or `undefined`. */
export function missingField(body: Json, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = body[field];
    if (typeof value !== 'string' || value.trim() === '') {
      return `The ${field.charAt(0).toUpperCase()}${field.slice(1)} field is required.`;
    }
  }
  return undefined;
}
