import { z } from 'zod';
import { GoliveError } from '../../errors.ts';
import { issueSentence } from '../../zod-issues.ts';
import { type RequestIdentity, requestKey } from '../journal/journal.ts';

/** The statuses a `status` fault may answer with. */
export const FAULT_STATUSES = [400, 401, 403, 404, 422, 429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

/** The statuses a `redirect` fault may answer with: 302 (a client may turn a POST into a GET) and 307 (it keeps the method and body). */
export const REDIRECT_STATUSES = [302, 307] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

/** The fault kinds; each is implemented by the transports (socket-level ones by fastify only). */
export const FAULT_KINDS = [
  'status',
  'latency',
  'reset',
  'empty',
  'truncated',
  'malformed-json',
  'hang',
  'redirect',
  'ratelimit',
  'wrong-types',
  'extra-fields',
  'html',
  'large-body',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The `Retry-After` of a `status` fault: delay-seconds, an HTTP date this many seconds from now
 * (negative: a past date), `value` sent as it is (what no parser should trust: `soon`, `-1`), or
 * no header.
 */
export type RetryAfter = { seconds: number } | { httpDate: number } | { value: string } | 'absent';

/** What a fault does to the request it matches. */
export type FaultAction =
  | {
      kind: 'status';
      status: FaultStatus;
      /** Omitted: `Retry-After: 2` on a 429 (the docs' example, omnium-api.md A7), no header otherwise. */
      retryAfter?: RetryAfter;
      /** Only with 401: the harness also revokes the API user's tokens. */
      revokeTokens?: boolean;
    }
  /** Delay the real response by `ms`. */
  | { kind: 'latency'; ms: number }
  /** Destroy the socket mid-request. */
  | { kind: 'reset' }
  /** 200 with an empty body. */
  | { kind: 'empty' }
  /** Content-Length promises more than is sent, then the socket closes. */
  | { kind: 'truncated' }
  /** A 200 with a body that is not JSON. */
  | { kind: 'malformed-json' }
  /**
   * The real answer with every JSON value of another type than it has (so than its schema says):
   * a string becomes a number (its length), a number or a boolean a string, an array an object
   * keyed by index; `null` stays. An answer with no JSON body goes unchanged.
   */
  | { kind: 'wrong-types' }
  /** The real answer with fields it does not document added to every JSON object: what a tolerant reader ignores. */
  | { kind: 'extra-fields' }
  /** The real status with an HTML error page declared `text/html` in place of its body, as a proxy or a firewall in between sends one. */
  | { kind: 'html' }
  /**
   * The real answer made `bytes` long (with its Content-Length) by whitespace before its body:
   * the same JSON, but a read that is not capped takes all of it in. Made as it is sent, so the
   * mock never holds it. An answer with no body, or one as long already, goes unchanged.
   */
  | { kind: 'large-body'; bytes: number }
  /** No response until the client gives up. */
  | { kind: 'hang' }
  /**
   * A redirect elsewhere instead of the answer: `status` with a `Location` header and no body. `location`
   * is an absolute http(s) URL of a loopback host; an origin alone (no path, no query) keeps the
   * request's own path and query, as an API that moved to another host would.
   */
  | { kind: 'redirect'; status: RedirectStatus; location: string }
  /**
   * The real answer, with the IETF rate-limit fields of draft-ietf-httpapi-ratelimit-headers (-10/-11,
   * RFC 9651 structured fields): `RateLimit-Policy: "default";q=<quota>;w=<window>` and
   * `RateLimit: "default";r=<remaining>;t=<reset>` (the seconds until the quota is back). Omnium
   * documents no such headers (omnium-api.md A7): only a rule sends them.
   */
  | { kind: 'ratelimit'; remaining: number; resetSeconds: number; quota?: number; windowSeconds?: number };

/** Which requests a rule applies to. Every criterion given must hold; none given matches every request. */
export interface FaultMatch {
  /** The API user's client id; requests without a known user never match. */
  apiUser?: string;
  environment?: 'test' | 'production';
  /** HTTP method, case-insensitive (stored upper-case). */
  method?: string;
  /**
   * A glob, case-insensitive: `*` any characters but `/`, `**` any characters, `?` one character but `/`
   * (`/api/Orders/*`, `/api/Orders/**`); or a regular expression written `/source/` (also case-insensitive).
   */
  path?: string;
  /** Only the nth request matching the other criteria (1-based); with `times`, the run of `times` requests from the nth. */
  nth?: number;
  /** At most this many times, then the rule is spent. */
  times?: number;
  /** Chance, 0..1, that an otherwise matching request is hit, drawn from the matcher's seeded PRNG. */
  probability?: number;
  /** Mock-clock epoch ms from which the rule applies (inclusive). */
  from?: number;
  /** Mock-clock epoch ms until which the rule applies (exclusive). */
  until?: number;
  /**
   * Keeps refusing one request. Rules with the same `pin` act on one request: the first of them
   * to fire pins the group to the request it answered (method, path, query and body, see
   * `requestKey`); from then on they match only attempts of that same request, so a client's
   * retries meet the fault and its next, different request does not. Each group pins a request
   * of its own: a request another group pinned is left to that group, even once its rules are
   * spent (so "the next two requests" of a storm are two others, not the first one again). A
   * request is one API user's: another user's same request is not pinned with it.
   */
  pin?: string;
  /**
   * Only while a webhook delivery is in flight (sent, not yet answered or timed out): the calls an
   * endpoint makes before it answers, its downstream work (security-tests.md case 96).
   */
  whileDelivering?: boolean;
}

/** A fault rule: data, so the admin API and scenario files can carry it. */
export interface FaultRule {
  id?: string;
  match: FaultMatch;
  action: FaultAction;
  note?: string;
}

/** A rule a matcher holds: it has an id. */
export type RegisteredFaultRule = Readonly<FaultRule & { id: string }>;

/** A rule as `list()` shows it: with its counters and whether it is spent. */
export type FaultRuleStatus = RegisteredFaultRule & {
  /** Requests that met the rule's criteria (what `nth` counts). */
  readonly seen: number;
  /** Requests the rule answered (what `times` counts). */
  readonly fired: number;
  /** No request can match it any more (`times` used up or the `nth` run passed); kept for the record. */
  readonly spent: boolean;
};

/** The request fields a rule can look at. */
export interface FaultRequest {
  readonly apiUser: string | null;
  readonly environment: string;
  readonly method: string;
  /** The path as sent, without the query string. */
  readonly path: string;
  /** What identifies the request (its journal entry will do): read only by rules with `pin`. */
  readonly identity?: RequestIdentity;
}

/** The `Retry-After` a 429 gets when its rule does not say (the example in Omnium's docs). */
export const DEFAULT_RETRY_AFTER_SECONDS = 2;

/** Ten minutes: far below where Node's timers overflow (2^31 - 1 ms); longer waits are what `hang` is for. */
const MAX_LATENCY_MS = 600_000;
const LATENCY = `expected a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}`;

/** 1 GiB: far past the 50 MB security-tests.md case 83 serves; the mock makes the body as it sends it, but a client may hold it. */
export const MAX_LARGE_BODY_BYTES = 1024 ** 3;
const BODY_BYTES = `expected a whole number of bytes from 1 to ${MAX_LARGE_BODY_BYTES}`;

const REGEX_FORM = /^\/(.+)\/$/s;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a `match.path` to a case-insensitive RegExp; throws a SyntaxError for a bad `/regex/`. */
export function compilePath(path: string): RegExp {
  const regex = REGEX_FORM.exec(path);
  if (regex && path.length > 2) return new RegExp(regex[1] as string, 'i');
  let source = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '*' && path[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 'i');
}

const wholeAtLeastOne = (what: string) =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

// zod 4 numbers refuse Infinity and NaN already.
const epochMs = z.number({ error: 'expected a time in epoch milliseconds' });

const matchSchema = z.strictObject({
  apiUser: z.string({ error: 'expected a client id' }).min(1, { error: 'expected a client id' }).optional(),
  environment: z.enum(['test', 'production'], { error: 'expected test or production' }).optional(),
  method: z
    .string({ error: 'expected an HTTP method' })
    .regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method' })
    .transform((m) => m.toUpperCase())
    .optional(),
  path: z
    .string({ error: 'expected a glob or a /regular expression/' })
    .superRefine((path, ctx) => {
      if (REGEX_FORM.test(path) && path.length > 2) {
        try {
          compilePath(path);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(error as Error).message})` });
        }
      } else if (!path.startsWith('/')) {
        ctx.addIssue({ code: 'custom', message: 'expected a glob starting with / (like /api/Orders/*) or a /regular expression/' });
      }
    })
    .optional(),
  nth: wholeAtLeastOne('a whole number ≥ 1').optional(),
  times: wholeAtLeastOne('a whole number ≥ 1').optional(),
  probability: z
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, { error: 'expected a number from 0 to 1' })
    .max(1, { error: 'expected a number from 0 to 1' })
    .optional(),
  from: epochMs.optional(),
  until: epochMs.optional(),
  whileDelivering: z.boolean({ error: 'expected true or false' }).optional(),
  pin: z
    .string({ error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
    .optional(),
});

const statusList = FAULT_STATUSES.join(', ');

/** Host names a redirect may send a client to: loopback only, so a rule can never hand a client's token to another machine. */
const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/i;
const LOCATION = 'expected an absolute http:// or https:// URL of a loopback host (127.0.0.1, [::1], localhost)';

const locationSchema = z.string({ error: LOCATION }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: LOCATION });
    return;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !LOOPBACK_HOST.test(url.hostname)) ctx.addIssue({ code: 'custom', message: LOCATION });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'expected no user name or password in the URL' });
});

const SECONDS = 'expected a whole number ≥ 0';
const FROM_NOW = 'expected whole seconds from now (negative for a past date)';

const RETRY_AFTER = 'expected { seconds: whole number ≥ 0 }, { httpDate: whole seconds from now }, { value: text } or "absent"';
const RAW_VALUE = 'expected 1 to 64 visible characters or spaces';

// Hand-checked rather than a zod union, whose failure would not say which inner field is wrong.
const retryAfterSchema = z.unknown().transform((value, ctx): RetryAfter => {
  const fail = (message: string, path: string[] = []) => {
    ctx.addIssue({ code: 'custom', message, path, input: value });
    return z.NEVER;
  };
  if (value === 'absent') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(RETRY_AFTER);
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || (key !== 'seconds' && key !== 'httpDate' && key !== 'value')) return fail(RETRY_AFTER);
  const n = (value as Record<string, unknown>)[key];
  // A header value: no control characters (CR or LF would split the response).
  if (key === 'value') return typeof n === 'string' && /^[\x20-\x7e]{1,64}$/.test(n) ? { value: n } : fail(RAW_VALUE, [key]);
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return fail(key === 'seconds' ? SECONDS : FROM_NOW, [key]);
  if (key === 'seconds') return n < 0 ? fail(SECONDS, [key]) : { seconds: n };
  return { httpDate: n };
});

const actionSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('status'),
      status: z.literal(FAULT_STATUSES, { error: `expected one of ${statusList}` }),
      retryAfter: retryAfterSchema.optional(),
      revokeTokens: z.boolean({ error: 'expected true or false' }).optional(),
    }),
    z.strictObject({
      kind: z.literal('latency'),
      ms: z
        .number({ error: LATENCY })
        .int({ error: LATENCY })
        .min(0, { error: LATENCY })
        .max(MAX_LATENCY_MS, { error: `${LATENCY} (use hang for longer)` }),
    }),
    z.strictObject({ kind: z.literal('reset') }),
    z.strictObject({ kind: z.literal('empty') }),
    z.strictObject({ kind: z.literal('truncated') }),
    z.strictObject({ kind: z.literal('malformed-json') }),
    z.strictObject({ kind: z.literal('wrong-types') }),
    z.strictObject({ kind: z.literal('extra-fields') }),
    z.strictObject({ kind: z.literal('html') }),
    z.strictObject({
      kind: z.literal('large-body'),
      bytes: z.int({ error: BODY_BYTES }).min(1, { error: BODY_BYTES }).max(MAX_LARGE_BODY_BYTES, { error: BODY_BYTES }),
    }),
    z.strictObject({ kind: z.literal('hang') }),
    z.strictObject({
      kind: z.literal('ratelimit'),
      remaining: z.int({ error: 'expected a whole number ≥ 0' }).min(0, { error: 'expected a whole number ≥ 0' }),
      resetSeconds: z.int({ error: 'expected a whole number of seconds ≥ 0' }).min(0, { error: 'expected a whole number of seconds ≥ 0' }),
      quota: wholeAtLeastOne('a whole number ≥ 1').optional(),
      windowSeconds: wholeAtLeastOne('a whole number of seconds ≥ 1').optional(),
    }),
    z.strictObject({
      kind: z.literal('redirect'),
      status: z.literal(REDIRECT_STATUSES, { error: `expected one of ${REDIRECT_STATUSES.join(', ')}` }),
      location: locationSchema,
    }),
  ],
  { error: `expected one of ${FAULT_KINDS.join(', ')}` },
);

/** The zod schema of a fault rule, for composing into larger schemas (scenario files). Prefer `parseFaultRule`. */
export const faultRuleSchema = z
  .strictObject({
    id: z
      .string({ error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
      .optional(),
    match: matchSchema.default({}),
    action: actionSchema,
    note: z.string({ error: 'expected a string' }).optional(),
  }, { error: 'expected an object' })
  .superRefine((rule, ctx) => {
    const { from, until } = rule.match;
    if (from !== undefined && until !== undefined && until <= from) {
      ctx.addIssue({ code: 'custom', path: ['match', 'until'], message: 'expected a time after match.from' });
    }
    if (rule.action.kind === 'status' && rule.action.revokeTokens && rule.action.status !== 401) {
      ctx.addIssue({ code: 'custom', path: ['action', 'revokeTokens'], message: 'only for status 401' });
    }
  });

/** What `parseFaultRule` accepts (before defaults and normalisation). */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

// The hand-written types carry the docs; this keeps them and the schema in step.
type Parsed = z.output<typeof faultRuleSchema>;
const _schemaMatchesType: Parsed extends FaultRule ? (FaultRule extends Parsed ? true : false) : false = true;
void _schemaMatchesType;

/**
 * Validates and normalises a fault rule. Throws a `GoliveError` (`GOLIVE_ERR_BAD_REQUEST`) whose
 * message names the field, as the admin API and scenario loader show it.
 *
 * @example
 * parseFaultRule({ match: { path: '/api/Orders/*', times: 2 }, action: { kind: 'status', status: 503 } });
 * parseFaultRule({ match: { probability: 2 }, action: { kind: 'hang' } }); // throws "match.probability: expected a number from 0 to 1"
 */
export function parseFaultRule(input: unknown): FaultRule {
  const result = faultRuleSchema.safeParse(input);
  if (!result.success) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', issueSentence(result.error.issues[0], { subject: 'rule' }));
  return result.data;
}

/**
 * The `Retry-After` header value for a fault's action at `nowMs`: delay-seconds as an integer
 * string, a `value` as given, or an IMF-fixdate for `httpDate` (rounded up to the whole second so it never promises
 * less wait than asked); `undefined` when there should be none.
 */
export function retryAfterHeader(action: FaultAction, nowMs: number): string | undefined {
  if (action.kind !== 'status') return undefined;
  const { retryAfter } = action;
  if (retryAfter === undefined) return action.status === 429 ? String(DEFAULT_RETRY_AFTER_SECONDS) : undefined;
  if (retryAfter === 'absent') return undefined;
  if ('seconds' in retryAfter) return String(retryAfter.seconds);
  if ('value' in retryAfter) return retryAfter.value;
  return new Date(Math.ceil((nowMs + retryAfter.httpDate * 1000) / 1000) * 1000).toUTCString();
}

/** The `ratelimit` fault's header values; `undefined` for other kinds. Quota and window default to Omnium's bucket (12,000 per 120 s). */
export function rateLimitHeaders(action: FaultAction): Record<string, string> | undefined {
  if (action.kind !== 'ratelimit') return undefined;
  return {
    'ratelimit-policy': `"default";q=${action.quota ?? 12_000};w=${action.windowSeconds ?? 120}`,
    ratelimit: `"default";r=${action.remaining};t=${action.resetSeconds}`,
  };
}

/** How the journal names a `ratelimit` fault (`ratelimit r=0;t=2`): what a check reads of it. */
export const rateLimitKind = (action: { remaining: number; resetSeconds: number }): string => `ratelimit r=${action.remaining};t=${action.resetSeconds}`;

/**
 * The `Location` a `redirect` fault answers a request with: its `location`, or, when that is an
 * origin alone, the origin with the request's own path and query (`search`: `?a=1`, or empty).
 *
 * @example
 * redirectLocation({ kind: 'redirect', status: 307, location: 'https://127.0.0.1:4000' }, '/api/Orders/A1', '?x=1'); // 'https://127.0.0.1:4000/api/Orders/A1?x=1'
 */
export function redirectLocation(action: Extract<FaultAction, { kind: 'redirect' }>, path: string, search: string): string {
  const url = new URL(action.location);
  const originOnly = (url.pathname === '/' || url.pathname === '') && url.search === '' && !action.location.includes('?');
  return originOnly ? `${url.origin}${path}${search}` : action.location;
}

/** mulberry32: a tiny, fast, seeded PRNG giving floats in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A rule with its matching precompiled and its counters. */
interface Entry {
  readonly rule: RegisteredFaultRule;
  readonly apiUser: string | undefined;
  readonly environment: string | undefined;
  readonly method: string | undefined;
  readonly path: RegExp | undefined;
  /** First eligible count of `seen` (1 when no nth). */
  readonly first: number;
  /** With nth: last eligible count of `seen`; without: Infinity. */
  readonly last: number;
  /** Without nth: firings allowed; with nth the run length bounds them already. */
  readonly times: number;
  readonly probability: number | undefined;
  readonly from: number;
  readonly until: number;
  readonly timed: boolean;
  readonly pin: string | undefined;
  /** `match.whileDelivering`: only while a webhook delivery is in flight. */
  readonly whileDelivering: boolean;
  seen: number;
  fired: number;
  spent: boolean;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Options of a `FaultMatcher`: its PRNG seed and its clock (habit 6). */
export interface FaultMatcherOptions {
  /** Seed of the probability draws; taken as an unsigned 32-bit integer. */
  seed: number;
  /** The mock clock, for `match.from` / `match.until`. */
  now: () => number;
  /** Whether a webhook delivery is in flight, for `match.whileDelivering` (default: never). */
  delivering?: () => boolean;
}

/**
 * The live fault rules of one run, and the question asked on every request: which fault, if any?
 * The first live rule that matches wins, in insertion order. A spent rule stays listed with `spent: true`.
 *
 * Counting: a rule counts a request (`seen`) when the request meets its criteria and no earlier
 * rule has answered it; `nth` is checked against that count, then `probability` is drawn, then the
 * rule fires (`fired`, bounded by `times`). Draws happen only for requests that reach that step,
 * so the same seed and the same request sequence give the same faults.
 *
 * @example
 * const faults = new FaultMatcher({ seed: 42, now: clock.now });
 * faults.add({ match: { path: '/api/Orders/**', nth: 3 }, action: { kind: 'status', status: 503 } });
 * const rule = faults.match({ apiUser, environment: 'test', method: 'GET', path: '/api/Orders/A1' });
 */
export class FaultMatcher {
  private entries: Entry[] = [];
  /** The request each pin group refuses, by `requestKey`, once one of its rules fired. */
  private readonly pins = new Map<string, string>();
  private live = 0;
  private nextId = 1;
  private readonly random: () => number;
  private readonly now: () => number;
  private delivering: () => boolean;

  constructor(options: FaultMatcherOptions) {
    if (!Number.isFinite(options.seed)) throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'seed: expected a number');
    this.random = mulberry32(options.seed);
    this.now = options.now;
    this.delivering = options.delivering ?? (() => false);
  }

  /** Tells the matcher how to see a webhook delivery in flight (the sender is made after it). */
  watchDeliveries(delivering: () => boolean): void {
    this.delivering = delivering;
  }

  /** Validates the rule (see `parseFaultRule`) and appends it; returns it with its id (`f1`, `f2`… unless given). */
  add(input: FaultRuleInput | FaultRule): RegisteredFaultRule {
    const parsed = parseFaultRule(input);
    let id = parsed.id;
    if (id === undefined) {
      do id = `f${this.nextId++}`;
      while (this.entries.some((e) => e.rule.id === id));
    } else if (this.entries.some((e) => e.rule.id === id)) {
      throw new GoliveError('GOLIVE_ERR_CONFLICT', `id: a fault rule ${id} exists already`);
    }
    const rule: RegisteredFaultRule = deepFreeze({ ...parsed, id });
    const m = rule.match;
    const nth = m.nth;
    this.entries.push({
      rule,
      apiUser: m.apiUser,
      environment: m.environment,
      method: m.method,
      path: m.path === undefined ? undefined : compilePath(m.path),
      first: nth ?? 1,
      last: nth === undefined ? Number.POSITIVE_INFINITY : nth + (m.times ?? 1) - 1,
      times: nth === undefined ? (m.times ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
      probability: m.probability,
      from: m.from ?? Number.NEGATIVE_INFINITY,
      until: m.until ?? Number.POSITIVE_INFINITY,
      timed: m.from !== undefined || m.until !== undefined,
      pin: m.pin,
      whileDelivering: m.whileDelivering === true,
      seen: 0,
      fired: 0,
      spent: false,
    });
    this.live++;
    return rule;
  }

  /** Removes a rule; `false` when there is none with this id. */
  remove(id: string): boolean {
    const index = this.entries.findIndex((e) => e.rule.id === id);
    if (index < 0) return false;
    const [entry] = this.entries.splice(index, 1);
    if (entry && !entry.spent) this.live--;
    if (entry?.pin !== undefined && !this.entries.some((e) => e.pin === entry.pin)) this.pins.delete(entry.pin);
    return true;
  }

  /** Every rule, spent ones included, in insertion order, with their counters. */
  list(): FaultRuleStatus[] {
    return this.entries.map((e) => ({ ...e.rule, seen: e.seen, fired: e.fired, spent: e.spent }));
  }

  /** Removes every rule. The PRNG and the id counter carry on, so ids are never reused within a run. */
  clear(): void {
    this.entries = [];
    this.pins.clear();
    this.live = 0;
  }

  /**
   * The fault for this request, or `null`. Runs on every request: with no live rule it returns at
   * once, and otherwise it allocates nothing.
   */
  match(req: FaultRequest): RegisteredFaultRule | null {
    if (this.live === 0) return null;
    let method: string | undefined;
    let now: number | undefined;
    let key: string | undefined;
    for (const e of this.entries) {
      if (e.spent) continue;
      if (e.apiUser !== undefined && e.apiUser !== req.apiUser) continue;
      if (e.environment !== undefined && e.environment !== req.environment) continue;
      if (e.method !== undefined && e.method !== (method ??= req.method.toUpperCase())) continue;
      if (e.path !== undefined && !e.path.test(req.path)) continue;
      if (e.timed) {
        now ??= this.now();
        if (now < e.from || now >= e.until) continue;
      }
      if (e.whileDelivering && !this.delivering()) continue;
      if (e.pin !== undefined) {
        // The API user's: the same request of another user (another lane's instance) is another request.
        key ??= `${req.apiUser ?? ''} ${req.identity ? requestKey(req.identity) : `${req.method.toUpperCase()} ${req.path.toLowerCase()}`}`;
        const pinned = this.pins.get(e.pin);
        if (pinned === undefined ? this.pinnedByAGroup(key) : pinned !== key) continue;
      }
      const seen = ++e.seen;
      if (seen >= e.last) this.spend(e);
      if (seen < e.first) continue;
      if (e.probability !== undefined && !(this.random() < e.probability)) continue;
      if (++e.fired >= e.times) this.spend(e);
      if (e.pin !== undefined && !this.pins.has(e.pin)) this.pins.set(e.pin, key!);
      return e.rule;
    }
    return null;
  }

  private pinnedByAGroup(key: string): boolean {
    for (const pinned of this.pins.values()) if (pinned === key) return true;
    return false;
  }

  private spend(e: Entry): void {
    if (e.spent) return;
    e.spent = true;
    this.live--;
  }
}

/** Fault rules as the harness and the admin API see them; every injected fault is marked in the journal. */
export type FaultRules = Pick<FaultMatcher, 'add' | 'remove' | 'list' | 'clear'>;
