/**
 * Crafted observations for the checks' unit tests, so that each test reads like a story:
 *
 * @example
 * const j = journal();
 * const token = j.tokenRequest({ at: 1.2 });
 * j.apiCalls(8, { from: 2, every: 1, token });
 * const finding = check.judge(observations({ journal: j.entries }));
 * const result = runCheck(check, observations({ journal: j.entries }), context());
 *
 * Times are given in seconds since the run started (`at`); the helpers turn them into the
 * monotonic milliseconds and wall-clock times the harness and the mock record. The phases
 * come from the real certify plan, so a renamed phase breaks these tests rather than the
 * checks silently going inconclusive.
 */
import { type EndpointInfo, type JournalEntry, endpointInfo, getProfile } from '../../../mock-server/index.ts';
import type { Evidence } from '../../../reports/model.ts';
import type { GoliveConfig } from '../../config/define.ts';
import { configSchema } from '../../config/schema.ts';
import { FULL_TIMINGS, certifyPlan } from '../../runner/plan.ts';
import { type CheckContext, checkContext } from '../check.ts';
import type { LogLine, Observations, PhaseRecord, SecretSighting } from '../observations.ts';

/** Monotonic milliseconds at which the crafted run starts (not zero, so offsets are exercised). */
export const RUN_START_MONO = 50_000;
/** Wall clock at the start of the run: a whole second, so JWT `exp` arithmetic stays exact. */
export const WALL_AT_RUN_START = Date.UTC(2026, 0, 12, 9, 0, 0);
/** Seconds after the run start at which the integration is ready and the first phase begins. */
export const READY_AT = 1;

export const TEST_CLIENT = 'client-erp-order-export-test';
export const PRODUCTION_CLIENT = 'client-erp-order-export-prod';
/** The API user a secret rotation created to replace `TEST_CLIENT`. */
export const ROTATED_CLIENT = 'client-erp-order-export-rotated';
/** The API user of a side lane's instance (certify runs some phases beside the main lane). */
export const LANE_CLIENT = 'client-erp-order-export-lane';

const TEN_DAYS = 10 * 24 * 3600;

/** Monotonic milliseconds of a moment `at` seconds into the run. */
export const monoAt = (at: number): number => RUN_START_MONO + Math.round(at * 1000);
/** Epoch seconds (the unit of a JWT `exp`) of a moment `at` seconds into the run. */
export const epochSecondsAt = (at: number): number => (WALL_AT_RUN_START + Math.round(at * 1000)) / 1000;

/** When, in seconds since the run started, the token a token request was answered with expires. */
export function expiresAt(tokenRequest: JournalEntry): number {
  if (!tokenRequest.issued) throw new Error(`entry ${tokenRequest.seq} issued no token`);
  return tokenRequest.issued.exp - WALL_AT_RUN_START / 1000;
}

/** Omnium is the fixture platform of these tests: its endpoint table, without resolvers. */
const OMNIUM_TABLE = new Map(endpointInfo(getProfile('omnium')).map((e) => [e.id, e]));

function omniumEndpoint(id: string): EndpointInfo {
  const found = OMNIUM_TABLE.get(id);
  if (!found) throw new Error(`Omnium has no endpoint ${id}`);
  return found;
}

/** A few endpoints of the mock's Omnium table, taken from it (so ids, paths and roles cannot drift). */
export const ENDPOINTS = {
  token: omniumEndpoint('Token_Post'),
  health: omniumEndpoint('Health_Get'),
  getOrder: omniumEndpoint('Orders_Get'),
  searchOrders: omniumEndpoint('Orders_Search'),
  addOrder: omniumEndpoint('Orders_Add'),
  getProduct: omniumEndpoint('Products_Get'),
  updateInventory: omniumEndpoint('Inventory_UpdateMany'),
  addItemToCart: omniumEndpoint('Cart_AddItemToCart'),
  addCustomer: omniumEndpoint('PrivateCustomers_Add'),
  searchBusinessCustomers: omniumEndpoint('BusinessCustomers_Search'),
  /** Deprecated: `GET /api/BusinessCustomers/Search`. */
  searchBusinessCustomersByGet: omniumEndpoint('BusinessCustomers_SearchGet'),
};

/** A complete journal entry: a successful `GET /api/Health` in the test environment, unless told otherwise. */
export function entry(partial: Partial<JournalEntry> = {}): JournalEntry {
  const mono = partial.mono ?? RUN_START_MONO;
  return {
    seq: 1,
    time: new Date(WALL_AT_RUN_START + (mono - RUN_START_MONO)).toISOString(),
    mono,
    tenant: 'golive',
    environment: 'test',
    listener: 'api',
    transport: 'https',
    method: 'GET',
    path: '/api/Health',
    query: {},
    routeId: 'Health_Get',
    requiredRole: null,
    tokenRequest: false,
    writes: false,
    apiUser: null,
    tokenId: null,
    tokenFingerprint: null,
    tokenMasked: null,
    tokenExpired: false,
    tokenIssuedBy: null,
    denied: null,
    credentialsIn: null,
    issued: null,
    touched: null,
    secretsInUrl: [],
    sentInClear: [],
    requestBody: null,
    bodyFingerprint: null,
    requestBytes: 0,
    unaccepted: [],
    status: 200,
    latencyMs: 3,
    responseBytes: 2,
    aborted: false,
    abortedAtMono: null,
    retryAfter: null,
    fault: null,
    ...partial,
  };
}

export interface TokenRequestOptions {
  /** Seconds since the run started; default 0.1 s after the previous entry. */
  at?: number;
  client?: string;
  environment?: 'test' | 'production';
  /** The tenant whose token endpoint was asked; default `golive`. */
  tenant?: string;
  /** 200 issues a token; 401 is a refused request (deactivated user, wrong secret). */
  status?: number;
  /** Lifetime of the issued token; default 10 days, like Omnium's. */
  lifetimeSeconds?: number;
  credentialsIn?: 'query' | 'body' | 'both';
  /** The token endpoint asked; default Omnium's `POST /api/Token`. */
  endpoint?: EndpointInfo;
  /** The request body as the journal keeps it (secrets masked); default Omnium's form with the client id and a masked secret. */
  body?: string;
  /** What the mock found the request sent that the endpoint does not accept (`body.scope:`). */
  unaccepted?: string[] | null;
}

export interface ApiCallOptions {
  at?: number;
  /** The token request whose token this call presents (`null`: no token at all). */
  token?: JournalEntry | null;
  endpoint?: EndpointInfo;
  /** The request path; default the endpoint's path with its parameters filled in. */
  path?: string;
  query?: Record<string, string | string[]>;
  /**
   * The request body: a poll whose body changes (a new time window) is a new request, an
   * attempt with the same body a retry. Its fingerprint is the body itself (unique enough here).
   */
  body?: string;
  status?: number;
  /** The token had expired when presented (the mock then answers 401). */
  expired?: boolean;
  denied?: string;
  environment?: 'test' | 'production';
  /** The tenant the call was sent to; default the token's (the mock journals where the token was issued besides). */
  tenant?: string;
  /** The API user the call was made as; default the token's. */
  client?: string;
  touched?: { stores: string[]; markets: string[] };
  secretsInUrl?: JournalEntry['secretsInUrl'];
  /** What the mock found the request sent that the endpoint does not accept (`body.customer`, `query.debug`). */
  unaccepted?: string[] | null;
}

/** A journal in the making: every entry gets the next seq, and by default a time 0.1 s after the last. */
export interface JournalBuilder {
  readonly entries: JournalEntry[];
  /** Any entry; `at` is in seconds since the run started. */
  entry(partial?: Partial<JournalEntry> & { at?: number }): JournalEntry;
  /** `POST /api/Token`; a 200 carries an `issued` token (id, fingerprint, exp). */
  tokenRequest(options?: TokenRequestOptions): JournalEntry;
  /** A call to an endpoint that requires a role, presenting the token of `options.token`. */
  apiCall(options?: ApiCallOptions): JournalEntry;
  /** `count` calls alike, `every` seconds apart from `from`. */
  apiCalls(count: number, options: ApiCallOptions & { from: number; every: number }): JournalEntry[];
}

/** Starts an empty journal. */
export function journal(): JournalBuilder {
  const entries: JournalEntry[] = [];
  let lastAt = READY_AT;

  const add = (partial: Partial<JournalEntry> & { at?: number }): JournalEntry => {
    const { at = lastAt + 0.1, ...rest } = partial;
    lastAt = at;
    const e = entry({ seq: entries.length + 1, mono: monoAt(at), ...rest });
    entries.push(e);
    return e;
  };

  const builder: JournalBuilder = {
    entries,
    entry: (partial = {}) => add(partial),

    tokenRequest(options = {}) {
      const seq = entries.length + 1;
      const at = options.at ?? lastAt + 0.1;
      const client = options.client ?? TEST_CLIENT;
      const status = options.status ?? 200;
      const credentialsIn = options.credentialsIn ?? 'body';
      const inQuery = credentialsIn !== 'body';
      return add({
        at,
        environment: options.environment ?? 'test',
        ...(options.tenant ? { tenant: options.tenant } : {}),
        method: options.endpoint?.method ?? 'POST',
        path: options.endpoint?.path ?? '/api/Token',
        routeId: options.endpoint?.id ?? 'Token_Post',
        tokenRequest: true,
        query: inQuery ? { clientId: client, clientSecret: 'sec_…Xy' } : {},
        secretsInUrl: inQuery ? [{ kind: 'client-secret', where: 'query', param: 'clientSecret' }] : [],
        credentialsIn,
        requestBody: options.body ?? (credentialsIn === 'query' ? null : `clientId=${client}&clientSecret=sec_…Xy`),
        ...(options.body === undefined ? {} : { bodyFingerprint: `body:${options.body}`, requestBytes: options.body.length }),
        ...(options.unaccepted === undefined ? {} : { unaccepted: options.unaccepted }),
        apiUser: client,
        status,
        denied: status === 401 ? 'deactivated' : null,
        issued:
          status === 200
            ? {
                tokenId: `jti-${seq}`,
                fingerprint: seq.toString(16).padStart(16, 'f'),
                exp: Math.floor(epochSecondsAt(at)) + (options.lifetimeSeconds ?? TEN_DAYS),
              }
            : null,
      });
    },

    apiCall(options = {}) {
      const endpoint: EndpointInfo = options.endpoint ?? ENDPOINTS.getOrder;
      const token = options.token === undefined ? null : options.token;
      const issued = token?.issued ?? null;
      const status = options.status ?? (options.expired ? 401 : 200);
      return add({
        ...(options.at === undefined ? {} : { at: options.at }),
        environment: options.environment ?? token?.environment ?? 'test',
        tenant: options.tenant ?? token?.tenant ?? 'golive',
        method: endpoint.method,
        path: options.path ?? endpoint.path.replace(/\{[^}]+\}/g, (param) => (param === '{orderId}' ? 'ORD-1001' : 'X-1')),
        query: options.query ?? {},
        ...(options.body === undefined ? {} : { requestBody: options.body, bodyFingerprint: `body:${options.body}`, requestBytes: options.body.length }),
        routeId: endpoint.id,
        tokenRequest: endpoint.issuesToken ?? false,
        writes: endpoint.writes ?? endpoint.method !== 'GET',
        requiredRole: endpoint.role,
        apiUser: options.client ?? token?.apiUser ?? TEST_CLIENT,
        tokenId: issued?.tokenId ?? null,
        tokenFingerprint: issued?.fingerprint ?? null,
        tokenMasked: issued ? `eyJhbG…${issued.fingerprint.slice(-4)}` : null,
        tokenIssuedBy: issued ? { tenant: token!.tenant, environment: token!.environment } : null,
        tokenExpired: options.expired ?? false,
        denied: options.denied ?? (options.expired ? 'expired' : status === 401 ? 'revoked' : null),
        touched: options.touched ?? null,
        secretsInUrl: options.secretsInUrl ?? [],
        unaccepted: options.unaccepted === undefined ? [] : options.unaccepted,
        status,
      });
    },

    apiCalls(count, { from, every, ...options }) {
      return Array.from({ length: count }, (_, i) => builder.apiCall({ ...options, at: from + i * every }));
    },
  };
  return builder;
}

export type PhaseName =
  | 'steady'
  | 'rate-limit-retry-after'
  | 'rate-limit-http-date'
  | 'rate-limit-no-retry-after'
  | 'rate-limit-no-retry-after-again'
  | 'missing-role'
  | 'flaky-network'
  | 'outage'
  | 'outage-recovery'
  | 'ratelimit-pause'
  | 'revoked-token'
  | 'short-lived-tokens'
  | 'malformed-responses'
  | 'deactivated-user'
  | 'tenants'
  | 'secret-rotation';

/** Where each phase of the full-length certify plan lies, in seconds since the run started. */
const PHASE_NAMES: PhaseName[] = [
  'steady',
  'rate-limit-retry-after',
  'rate-limit-http-date',
  'rate-limit-no-retry-after',
  'rate-limit-no-retry-after-again',
  'missing-role',
  'flaky-network',
  'outage',
  'outage-recovery',
  'ratelimit-pause',
  'revoked-token',
  'short-lived-tokens',
  'malformed-responses',
  'deactivated-user',
  'tenants',
  'secret-rotation',
];

export const PHASES: Record<PhaseName, { start: number; end: number; params: Record<string, number> }> = (() => {
  const out: Record<string, { start: number; end: number; params: Record<string, number> }> = {};
  let start = READY_AT;
  for (const spec of certifyPlan(FULL_TIMINGS, { webhook: false, tenants: 2, rateLimitHeaders: true })) {
    out[spec.name] = { start, end: start + spec.durationMs / 1000, params: spec.params ?? {} };
    start += spec.durationMs / 1000;
  }
  for (const name of PHASE_NAMES) {
    if (!out[name]) throw new Error(`The certify plan has no "${name}" phase any more: update checks/test/journal.ts and the checks.`);
  }
  return out as Record<PhaseName, { start: number; end: number; params: Record<string, number> }>;
})();

/** One phase as it ran: by default where the full-length plan puts it, run to its end. */
export function phaseRecord(
  name: PhaseName,
  overrides: { start?: number; end?: number; completed?: boolean; params?: Record<string, number>; lane?: { name: string; client: string } } = {},
): PhaseRecord {
  const planned = PHASES[name];
  return {
    name,
    environment: 'test',
    startMono: monoAt(overrides.start ?? planned.start),
    endMono: monoAt(overrides.end ?? planned.end),
    completed: overrides.completed ?? true,
    params: overrides.params ?? planned.params,
    // A side lane's phase: its own run of the integration and its own API user.
    ...(overrides.lane ? { lane: overrides.lane.name, run: `lane:${overrides.lane.name}`, apiUsers: [overrides.lane.client] } : {}),
  };
}

/** Every phase of the plan, run to its end. */
export function allPhases(): PhaseRecord[] {
  return (Object.keys(PHASES) as PhaseName[]).map((name) => phaseRecord(name));
}

/** A line of the integration's output. */
export function logLine(text: string, options: { at?: number; stream?: 'stdout' | 'stderr'; run?: LogLine['run'] } = {}): LogLine {
  return { stream: options.stream ?? 'stdout', mono: monoAt(options.at ?? READY_AT), text, run: options.run ?? 'test' };
}

/** A secret the scanner found in the integration's output. */
export function loggedSecret(options: Partial<SecretSighting> & { at?: number } = {}): SecretSighting {
  const { at = READY_AT, ...rest } = options;
  return { where: 'log', kind: 'token', masked: 'eyJhbG…Q4', how: 'full', stream: 'stdout', mono: monoAt(at), text: 'token: eyJhbG…Q4', ...rest };
}

/** A secret the scanner found in a file of the integration's workspace. */
export function storedSecret(file: string, options: Partial<SecretSighting> = {}): SecretSighting {
  return { where: 'file', kind: 'client-secret', masked: 'sec_…Xy', how: 'full', file, line: 1, ...options };
}

/**
 * A complete set of observations: a well-named, least-privileged API user, both clients (and
 * the one the rotation created), every phase run to its end, and nothing else unless given.
 */
export function observations(partial: Partial<Omit<Observations, 'apiUser'>> & { apiUser?: Partial<Observations['apiUser']> } = {}): Observations {
  const { apiUser, ...rest } = partial;
  return {
    runStartMono: RUN_START_MONO,
    clients: { test: TEST_CLIENT, production: PRODUCTION_CLIENT, lanes: [] },
    rotatedClient: ROTATED_CLIENT,
    journal: [],
    phases: allPhases(),
    logs: [],
    secrets: [],
    endpoints: Object.values(ENDPOINTS),
    permissions: getProfile('omnium').permissions,
    universe: { stores: ['store-bergen', 'store-oslo', 'store-stockholm', 'store-trondheim'], markets: ['DNK', 'NOR', 'SWE'] },
    webhook: null,
    tls: [],
    tlsRuns: [],
    browser: null,
    job: null,
    tenancy: null,
    foreignHost: null,
    ...rest,
    apiUser: { name: 'ERP Order Export', roles: ['OrderRead'], stores: '*', markets: '*', ...apiUser },
  };
}

/**
 * What `runCheck` decides applicability on: a config with all defaults (and a webhook
 * endpoint when `webhook`, that many tenants with `tenants`), and the facts of it and of `ENDPOINTS`.
 */
export function context(options: { webhook?: boolean; tenants?: number; rateLimitHeaders?: boolean } = {}): CheckContext {
  const parsed = configSchema.parse({
    ...(options.webhook ? { webhook: {} } : {}),
    ...(options.tenants ? { tenants: options.tenants } : {}),
    ...(options.rateLimitHeaders ? { integration: { rateLimitHeaders: true } } : {}),
  });
  const config: GoliveConfig = { ...parsed, integration: { ...parsed.integration, command: 'node integration.js', cwd: '/integration' }, workspace: '/integration' };
  return checkContext(config, { endpoints: Object.values(ENDPOINTS), scoped: true });
}

/** The journal seq numbers an evidence list names, in order. */
export function requestSeqs(evidence: readonly Evidence[]): number[] {
  return evidence.flatMap((e) => (e.kind === 'request' ? [e.seq] : []));
}

/** The value of the metric named `name` in an evidence list. */
export function metric(evidence: readonly Evidence[], name: string): number | undefined {
  const found = evidence.find((e) => e.kind === 'metric' && e.name.startsWith(name));
  return found?.kind === 'metric' ? found.value : undefined;
}

// ---- Faults: 429 storms, resets, 5xx, hanging responses ----

/** A `Retry-After` HTTP date `secondsAhead` after the moment (seconds into the run) a 429 was answered, rounded up to the second like the mock's. */
export const httpDate =
  (secondsAhead: number) =>
  (answeredAt: number): string =>
    new Date(Math.ceil((WALL_AT_RUN_START + Math.round((answeredAt + secondsAhead) * 1000)) / 1000) * 1000).toUTCString();

export interface FaultOptions extends ApiCallOptions {
  /** The `Retry-After` of a 429: a header value, or one computed from when the 429 was answered (seconds into the run). */
  retryAfter?: string | null | ((answeredAt: number) => string);
  /** How long the mock took to answer, in ms; default 3. */
  latencyMs?: number;
  /** For a hanging response: seconds after the request the client closed the socket (`null`: it never did). */
  abortedAfter?: number | null;
}

/** The status the mock records for a fault kind (`reset` and `hang` send none: 0). */
const statusOfFault = (kind: string): number => (/^status (\d+)$/.exec(kind) ? Number(/^status (\d+)$/.exec(kind)![1]) : 0);

/** A call the mock answered with a fault rule (`status 429`, `status 503`, `reset`, `hang`…), marked in the entry like the mock does. */
export function faulted(j: JournalBuilder, kind: string, options: FaultOptions = {}): JournalEntry {
  const { retryAfter = null, latencyMs = 3, abortedAfter = null, ...call } = options;
  const e = j.apiCall({ ...call, status: call.status ?? statusOfFault(kind) });
  const answered = (e.mono - RUN_START_MONO + latencyMs) / 1000;
  Object.assign(e, {
    fault: { id: `fault-${e.seq}`, kind },
    latencyMs: abortedAfter === null ? latencyMs : abortedAfter * 1000,
    retryAfter: typeof retryAfter === 'function' ? retryAfter(answered) : retryAfter,
    aborted: abortedAfter !== null,
    abortedAtMono: abortedAfter === null ? null : e.mono + Math.round(abortedAfter * 1000),
  });
  return e;
}

/** A `429 Too Many Requests` from the mock's fault rule, with `Retry-After` when given. */
export function tooMany(j: JournalBuilder, options: FaultOptions = {}): JournalEntry {
  return faulted(j, 'status 429', options);
}

/**
 * One request through a 429 storm: a 429 at `from`, then after each of `waits` (seconds, from the
 * moment the previous answer left the mock to the next request) another attempt; every attempt
 * but the last is a 429, the last is answered `last` (200 by default; 429: the client gave up).
 */
export function storm(j: JournalBuilder, options: FaultOptions & { from: number; waits: readonly number[]; last?: number }): JournalEntry[] {
  const { from, waits, last = 200, latencyMs = 3, ...rest } = options;
  const attempts = [tooMany(j, { ...rest, latencyMs, at: from })];
  waits.forEach((wait, i) => {
    const previous = attempts[attempts.length - 1]!;
    const at = (previous.mono + previous.latencyMs + Math.round(wait * 1000) - RUN_START_MONO) / 1000;
    const final = i === waits.length - 1;
    attempts.push(final && last !== 429 ? j.apiCall({ ...rest, at, status: last }) : tooMany(j, { ...rest, latencyMs, at }));
  });
  return attempts;
}
