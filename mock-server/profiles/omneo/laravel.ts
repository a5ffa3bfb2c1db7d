/**
 * The shapes a Laravel API answers with, as Omneo's does (omnium-api.md B3, C2): UTC
 * timestamps without a zone, the length-aware paginator's `{data, links, meta}`, the
 * validator's 422 `{message, errors}`, `{message}` 404s and empty 204s. Bodies are JSON.
 */
import { z } from 'zod';
import type { ApiRequest, ApiResponse, RequestProblem } from '../../handlers/endpoint.ts';

/**
 * `YYYY-MM-DD HH:mm:ss` in UTC, as Omneo writes every timestamp.
 *
 * @example omneoTime(Date.UTC(2026, 0, 15, 12)) // '2026-01-15 12:00:00'
 */
export function omneoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// ---------------------------------------------------------------------------------------
// Responses

/** `{data: …}`: how Omneo wraps a single resource (or a plain list). */
export const data = (body: unknown, status = 200): ApiResponse => ({ status, body: { data: body } });

/** 422 with Laravel's validation body; `errors` maps each field to its messages. */
export function invalid(errors: Readonly<Record<string, readonly string[]>>): ApiResponse {
  return { status: 422, body: { message: 'The given data was invalid.', errors } };
}

/**
 * A body the engine refused before the resolver (`Refusals.invalidRequest`): the JSON value of
 * the wrong type, or refused fields, fail validation (422, each refused field `prohibited`, as
 * Laravel's rule words it); anything else (415, 413, a malformed body) is an HTTP exception,
 * which Laravel's JSON handler renders as `{ message }`.
 */
export function invalidRequest(problem: RequestProblem): ApiResponse {
  if (problem.kind === 'fields' && problem.fields) {
    return invalid(Object.fromEntries(problem.fields.map((f) => [f, [messageFor(f, 'The :attribute field is prohibited.')]])));
  }
  if (problem.kind === 'shape') return invalid({ body: [problem.message] });
  return { status: problem.status, ...(problem.headers ? { headers: { ...problem.headers } } : {}), body: { message: problem.message } };
}

/** 404 as Laravel's JSON exception handler answers it. */
export const notFound = (): ApiResponse => ({ status: 404, body: { message: 'Not Found' } });

/** 204 without a body: every Omneo delete. */
export const noContent = (): ApiResponse => ({ status: 204 });

/** `{data: T}`, for response schemas. */
export const dataSchema = (item: z.ZodType) => z.object({ data: item });

// ---------------------------------------------------------------------------------------
// Pagination

/** Laravel's `per_page` when a request names none (Omneo's own default is not published). */
export const DEFAULT_PER_PAGE = 15;

/**
 * The largest page handed out: a larger `page[size]` is clamped to it. Omneo publishes no
 * maximum (B8); an unbounded page is what OWASP API4 (security-tests.md case 46) forbids, and
 * clamping keeps a client that asks for "everything" working as Laravel apps that cap it do.
 */
export const MAX_PER_PAGE = 100;

/** How many page numbers `meta.links` shows on each side of the current one (Laravel's `onEachSide`). */
const ON_EACH_SIDE = 3;

export interface PageLink {
  url: string | null;
  label: string;
  active: boolean;
}

/** A page of a list, as Laravel's `LengthAwarePaginator` renders through a resource collection. */
export interface LaravelPage<T> {
  data: T[];
  links: { first: string; last: string; prev: string | null; next: string | null };
  meta: {
    current_page: number;
    from: number | null;
    last_page: number;
    links: PageLink[];
    path: string;
    per_page: number;
    to: number | null;
    total: number;
  };
}

export interface PageOptions {
  /** `per_page` when the request sends no valid `page[size]`; default 15. */
  perPage?: number;
}

const pageLinkSchema = z.object({ url: z.string().nullable(), label: z.string(), active: z.boolean() });

/** `{data: T[], links, meta}`, for response schemas. */
export const paginatedSchema = (item: z.ZodType) =>
  z.object({
    data: z.array(item),
    links: z.object({ first: z.string(), last: z.string(), prev: z.string().nullable(), next: z.string().nullable() }),
    meta: z.object({
      current_page: z.number().int(),
      from: z.number().int().nullable(),
      last_page: z.number().int(),
      links: z.array(pageLinkSchema),
      path: z.string(),
      per_page: z.number().int(),
      to: z.number().int().nullable(),
      total: z.number().int(),
    }),
  });

/** The query keys every paginated list reads. */
export const pageQuery = {
  'page[size]': z.string().optional(),
  'page[number]': z.string().optional(),
};

/** A whole number ≥ 1, as PHP's `FILTER_VALIDATE_INT` reads it; anything else is absent. */
function pageNumber(value: string | string[] | undefined): number | undefined {
  const s = Array.isArray(value) ? value[0] : value;
  if (s === undefined || !/^\s*\+?\d+\s*$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** PHP's `rawurlencode`, which `http_build_query` uses: `!'()*` are encoded too. */
function rawUrlEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(req: ApiRequest, name: string): string | undefined {
  const value = req.headers[name];
  return value?.split(',')[0]?.trim() || undefined;
}

/**
 * `scheme://host` the client used, for the absolute URLs Laravel writes; empty (relative
 * links) when the request names no host; the scheme is the request's `transport`, unless a
 * proxy's `x-forwarded-*` say otherwise.
 */
function originOf(req: ApiRequest): string {
  const host = header(req, 'x-forwarded-host') ?? header(req, 'host');
  if (host === undefined) return '';
  return `${header(req, 'x-forwarded-proto') ?? req.transport}://${host}`;
}

/** The query of the request minus `page[number]`: Laravel's links keep the filters, sort and size. */
function keptQuery(req: ApiRequest): [string, string][] {
  const kept: [string, string][] = [];
  for (const [key, value] of Object.entries(req.query)) {
    if (key === 'page[number]' || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) kept.push([key, v]);
  }
  return kept;
}

/** Laravel's `UrlWindow`: every page when there are few, else the ends and a slider, `null` for "...". */
function pageWindow(current: number, last: number): (number | null)[] {
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  if (last < ON_EACH_SIDE * 2 + 8) return range(1, last);
  const window = ON_EACH_SIDE + 4;
  if (current <= window) return [...range(1, window + ON_EACH_SIDE), null, last - 1, last];
  if (current > last - window) return [1, 2, null, ...range(last - (window + ON_EACH_SIDE - 1), last)];
  return [1, 2, null, ...range(current - ON_EACH_SIDE, current + ON_EACH_SIDE), null, last - 1, last];
}

/**
 * One page of `items`, as `GET` of an Omneo list answers it: `page[size]` (default 15) and
 * `page[number]` (1-based; a page past the end is empty, as Laravel answers it). `basePath` is
 * the list's path (made absolute with the request's host) or an absolute URL.
 *
 * @example paginate(profiles, req, '/api/v3/profiles').meta.last_page
 */
export function paginate<T>(items: readonly T[], req: ApiRequest, basePath: string, options: PageOptions = {}): LaravelPage<T> {
  const perPage = Math.min(pageNumber(req.query['page[size]']) ?? options.perPage ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const current = pageNumber(req.query['page[number]']) ?? 1;
  const total = items.length;
  const last = Math.max(1, Math.ceil(total / perPage));
  const path = /^https?:\/\//i.test(basePath) ? basePath : `${originOf(req)}${basePath}`;
  const kept = keptQuery(req);
  const url = (page: number) =>
    `${path}?${[...kept, ['page[number]', String(page)]].map(([k, v]) => `${rawUrlEncode(k as string)}=${rawUrlEncode(v as string)}`).join('&')}`;
  const start = (current - 1) * perPage;
  const slice = start < total ? items.slice(start, start + perPage) : [];
  const prev = current > 1 ? url(current - 1) : null;
  const next = current < last ? url(current + 1) : null;
  const numbered = pageWindow(current, last).map((page): PageLink =>
    page === null ? { url: null, label: '...', active: false } : { url: url(page), label: String(page), active: page === current },
  );
  return {
    data: slice,
    links: { first: url(1), last: url(last), prev, next },
    meta: {
      current_page: current,
      from: slice.length > 0 ? start + 1 : null,
      last_page: last,
      links: [{ url: prev, label: '&laquo; Previous', active: false }, ...numbered, { url: next, label: 'Next &raquo;', active: false }],
      path,
      per_page: perPage,
      to: slice.length > 0 ? start + slice.length : null,
      total,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Validation

/**
 * One rule of Laravel's validator. Only `implicit` rules (`required`) run on a missing field;
 * the others judge a value that is there, `[]` included, and `null` unless the field is
 * `nullable`. A blank string is `null` by then (the `TrimStrings` and
 * `ConvertEmptyStringsToNull` middleware of every Laravel app).
 */
export interface Rule {
  readonly implicit?: boolean;
  /** `nullable`: a `null` value skips the field's other rules but the implicit ones. */
  readonly nullable?: boolean;
  passes(value: unknown): boolean;
  /** Laravel's English message, `:attribute` standing for the field's name. */
  readonly message: string;
}

/** The field's name in messages: `mobile_phone` → `mobile phone`, as Laravel writes it. */
export const attributeName = (field: string): string => field.replace(/_/g, ' ');

/** The message of `rule` for `field`. */
export const messageFor = (field: string, message: string): string => message.replace(':attribute', attributeName(field));

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);

// A pragmatic address check (one @, a dot in the domain, no spaces), near Laravel's `email` rule.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Laravel 8's rules and messages (the 422 body's "The given data was invalid." is Laravel 8's too). */
export const rules = {
  required: { implicit: true, passes: (v: unknown) => !isBlank(v), message: 'The :attribute field is required.' } as Rule,
  nullable: { nullable: true, passes: () => true, message: '' } as Rule,
  string: { passes: (v: unknown) => typeof v === 'string', message: 'The :attribute must be a string.' } as Rule,
  email: { passes: (v: unknown) => typeof v === 'string' && EMAIL.test(v), message: 'The :attribute must be a valid email address.' } as Rule,
  integer: {
    passes: (v: unknown) => Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)),
    message: 'The :attribute must be an integer.',
  } as Rule,
  boolean: {
    passes: (v: unknown) => [true, false, 0, 1, '0', '1'].includes(v as never),
    message: 'The :attribute field must be true or false.',
  } as Rule,
  array: { passes: (v: unknown) => Array.isArray(v), message: 'The :attribute must be an array.' } as Rule,
  // Laravel's `array` for a JSON object: PHP decodes `{}` and `[]` alike, so an empty list passes too.
  object: {
    passes: (v: unknown) => v !== null && typeof v === 'object' && (!Array.isArray(v) || v.length === 0),
    message: 'The :attribute must be an array.',
  } as Rule,
  max: (n: number): Rule => ({
    passes: (v) => typeof v !== 'string' || v.length <= n,
    message: `The :attribute must not be greater than ${n} characters.`,
  }),
  between: (min: number, max: number): Rule => ({
    passes: (v) => Number(v) >= min && Number(v) <= max,
    message: `The :attribute must be between ${min} and ${max}.`,
  }),
  regex: (pattern: RegExp): Rule => ({ passes: (v) => typeof v === 'string' && pattern.test(v), message: 'The :attribute format is invalid.' }),
  in: (values: readonly unknown[]): Rule => ({ passes: (v) => values.includes(v), message: 'The selected :attribute is invalid.' }),
};

/** Rules per field, in the order Laravel reports them. */
export type RuleSet = Readonly<Record<string, readonly Rule[]>>;

/**
 * The fields of `input` that break their rules, with the message of the first rule each
 * breaks (as with Laravel's `bail`); empty when the input is valid.
 */
export function validate(input: Readonly<Record<string, unknown>>, ruleSet: RuleSet): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const [field, fieldRules] of Object.entries(ruleSet)) {
    const sent = input[field];
    const value = typeof sent === 'string' && sent.trim() === '' ? null : sent;
    const skipped = value === undefined || (value === null && fieldRules.some((rule) => rule.nullable));
    const broken = fieldRules.find((rule) => (rule.implicit || !skipped) && !rule.passes(value));
    if (broken) errors[field] = [messageFor(field, broken.message)];
  }
  return errors;
}

/** Every field of `ruleSet` that is not `required` made `nullable`, as most of a Laravel form's fields are. */
export function nullableUnlessRequired(ruleSet: RuleSet): RuleSet {
  return Object.fromEntries(Object.entries(ruleSet).map(([field, fieldRules]) => [field, fieldRules.includes(rules.required) ? fieldRules : [rules.nullable, ...fieldRules]]));
}

/** `sometimes`: only the rules of the fields `input` sends (a partial update). */
export function sometimes(ruleSet: RuleSet, input: Readonly<Record<string, unknown>>): RuleSet {
  return Object.fromEntries(Object.entries(ruleSet).filter(([field]) => field in input));
}

/** The JSON body as an object (`{}` for anything else, which the rules then judge). */
export function bodyOf(req: ApiRequest): Record<string, unknown> {
  const body = req.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A query value as one string (the first of a repeated key). */
export function queryString(req: ApiRequest, key: string): string | undefined {
  const value = req.query[key];
  return Array.isArray(value) ? value[0] : value;
}
