import { performance } from 'node:perf_hooks';
import type { ApiUserRecord, ApiUserRegistry, EnvironmentName } from '../auth/api-users.ts';
import { grants } from '../profiles/omnium/roles.ts';
import { type Scope, UNSCOPED, createScope } from '../auth/scope.ts';
import { type TokenService, type VerifyFailure, type VerifyResult, peekClaims } from '../auth/tokens.ts';
import type { Clock } from '../clock.ts';
import type { Domain } from '../profiles/omnium/domain/index.ts';
import type { DomainEvent } from '../domain/events.ts';
import type { Journal, JournalEntry } from '../journal/journal.ts';
import { type SecretIndex, redactBody, redactPath, redactQuery } from '../journal/redact.ts';
import { fingerprint } from '../secrets.ts';
import type { ApiRequest, ApiResponse, Endpoint, ResolverContext, TokenIssuer } from './endpoint.ts';
import type { EventBus } from './event-bus.ts';
import type { RateLimiter } from '../faults/rate-limit.ts';
import { type FaultMatcher, type RegisteredFaultRule, retryAfterHeader } from '../faults/rules.ts';

/** One tenant's environment: its own signing key, API users and data, served on its own listener. */
export interface Runtime {
  readonly tenant: string;
  readonly environment: EnvironmentName;
  readonly users: ApiUserRegistry;
  readonly tokens: TokenService;
  readonly db: Domain;
  readonly clock: Clock;
  readonly journal: Journal;
  readonly secrets: SecretIndex;
  readonly events: EventBus;
  /** Fault rules, shared by every runtime of a server (a rule may name the environment). */
  readonly faults: FaultMatcher;
  /** Omnium's per-user and per-tenant limits, shared by every runtime of a server. */
  readonly limits: RateLimiter;
  /** Told of every token issued, in clear, so an in-process harness can look for it in logs. Never stored. */
  readonly tokenListeners: Set<(token: string, clientId: string) => void>;
}

/** A request as a transport hands it over, with what the journal needs besides the parsed form. */
export interface InboundRequest extends ApiRequest {
  /** The raw body text, for the journal (masked and cut there). */
  readonly rawBody: string | undefined;
  readonly listener: string;
}

/** The response to send, and the journal entry to complete (status, bytes, latency) and record. */
export interface Handled {
  response: ApiResponse;
  entry: JournalEntry;
  /** Frees the request's rate-limit slot: call once the response is complete or abandoned. */
  release: () => void;
}

const NOTHING_TO_RELEASE = () => {};
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Plays a fault rule: an answer instead of the real one, or `undefined` to go on (after a
 * delay, for latency). Socket-level faults are handed to the transport.
 */
async function playFault(rt: Runtime, rule: RegisteredFaultRule, clientId: string | null, entry: JournalEntry): Promise<ApiResponse | undefined> {
  const action = rule.action;
  entry.fault = { id: rule.id, kind: action.kind === 'status' ? `status ${action.status}` : action.kind };
  switch (action.kind) {
    case 'latency':
      await sleep(action.ms);
      return undefined;
    case 'status': {
      const headers: Record<string, string> = {};
      if (action.status === 401) {
        headers['www-authenticate'] = 'Bearer error="invalid_token"';
        if (action.revokeTokens && clientId) rt.users.revokeTokens(clientId);
      }
      const retryAfter = retryAfterHeader(action, rt.clock.now());
      if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
      const body = action.status >= 500 ? 'Internal server error' : undefined;
      return { status: action.status, headers, ...(body ? { body } : {}) };
    }
    case 'empty':
      return { status: 200, headers: JSON_TYPE, body: '' };
    case 'malformed-json':
      return { status: 200, headers: JSON_TYPE, body: '{"result":[{"id":"' };
    default:
      return { status: 0, socket: action.kind };
  }
}

const WWW_AUTH_MISSING = { 'www-authenticate': 'Bearer' };

function invalidToken(reason: VerifyFailure, expClaim: number | undefined): ApiResponse {
  const description =
    reason === 'expired' && expClaim
      ? `, error_description="The token expired at '${new Date(expClaim * 1000).toUTCString()}'"`
      : '';
  return { status: 401, headers: { 'www-authenticate': `Bearer error="invalid_token"${description}` } };
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Creates the token issuer a runtime gives the token endpoint. */
function tokenIssuer(rt: Runtime): TokenIssuer {
  return {
    async issue(clientId, clientSecret) {
      const user = rt.users.authenticate(clientId, clientSecret);
      if (!user || !user.active) return null;
      const { token, claims } = await rt.tokens.issue(user);
      rt.secrets.add('token', token);
      for (const listener of rt.tokenListeners) listener(token, user.clientId);
      return { token, expiresIn: user.tokenLifetimeSeconds, tokenId: claims.jti, exp: claims.exp };
    },
  };
}

const issuers = new WeakMap<Runtime, TokenIssuer>();

/**
 * The whole pipeline of one API request, transport-neutral: verify the bearer token,
 * look the API user up (deactivation and role changes take effect at once), check the
 * role with inheritance, run the resolver with the user's current scope, and prepare the
 * journal entry.
 */
export async function handle(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest): Promise<Handled> {
  const startMono = performance.now();
  const entry = startEntry(rt, endpoint, req, startMono);
  let response: ApiResponse;
  let release = NOTHING_TO_RELEASE;
  if (!endpoint) {
    response = { status: 404 };
  } else if (!endpoint.auth) {
    const rule = rt.faults.match({ apiUser: null, environment: rt.environment, method: req.method, path: req.path, identity: entry });
    response = (rule && (await playFault(rt, rule, null, entry))) || (await endpoint.resolve(req, context(rt, null, req)));
  } else {
    const outcome = await authorised(rt, endpoint, req, entry);
    response = outcome.response;
    release = outcome.release;
  }
  if (response.journal) Object.assign(entry, response.journal);
  entry.status = response.status;
  if (response.status === 429) entry.retryAfter = response.headers?.['retry-after'] ?? null;
  if (response.status < 300 && endpoint?.auth) entry.touched = touched(response.body);
  return { response, entry, release };
}

async function authorised(
  rt: Runtime,
  endpoint: Endpoint,
  req: InboundRequest,
  entry: JournalEntry,
): Promise<{ response: ApiResponse; release: () => void }> {
  // authenticate and most resolvers answer synchronously; awaiting a plain value would still
  // cost a turn of the microtask queue, so only a promise is awaited.
  const authenticating = authenticate(rt, req, entry);
  const response = authenticating instanceof Promise ? await authenticating : authenticating;
  if ('status' in response) return { response, release: NOTHING_TO_RELEASE };
  const user = response;
  const rule = rt.faults.match({ apiUser: user.clientId, environment: rt.environment, method: req.method, path: req.path, identity: entry });
  const faulted = rule ? await playFault(rt, rule, user.clientId, entry) : undefined;
  if (faulted) return { response: faulted, release: NOTHING_TO_RELEASE };
  const grant = rt.limits.acquire({ clientId: user.clientId, tenant: rt.tenant, limit: endpoint.limit });
  const limitHeaders = rt.limits.settings.headers ? rt.limits.headers(user.clientId) : null;
  if (!grant.ok) {
    entry.denied = `rate limit (${grant.reason})`;
    return { response: { status: 429, headers: { ...limitHeaders, 'retry-after': String(grant.retryAfterSeconds) } }, release: NOTHING_TO_RELEASE };
  }
  try {
    if (!grants(user.roles, endpoint.role)) {
      entry.denied = `missing role ${endpoint.role}`;
      grant.release();
      return { response: { status: 403 }, release: NOTHING_TO_RELEASE };
    }
    const resolving = endpoint.resolve(req, context(rt, user, req));
    const answer = resolving instanceof Promise ? await resolving : resolving;
    if (answer.status === 403 && !entry.denied) entry.denied = 'store or market out of scope';
    if (limitHeaders) answer.headers = { ...limitHeaders, ...answer.headers };
    return { response: answer, release: () => grant.release() };
  } catch (err) {
    grant.release();
    throw err;
  }
}

/** The API user behind the bearer token, or the 401 to answer; synchronous for a token verified before. */
function authenticate(rt: Runtime, req: InboundRequest, entry: JournalEntry): ApiUserRecord | ApiResponse | Promise<ApiUserRecord | ApiResponse> {
  const token = bearerOf(req.headers.authorization);
  if (!token) {
    entry.denied = req.headers.authorization ? 'malformed Authorization header' : 'no bearer token';
    return { status: 401, headers: WWW_AUTH_MISSING };
  }
  const verifying = rt.tokens.verify(token);
  return verifying instanceof Promise ? verifying.then((result) => admit(rt, token, result, entry)) : admit(rt, token, verifying, entry);
}

/** Journals what the token says and looks its API user up. */
function admit(rt: Runtime, token: string, result: VerifyResult, entry: JournalEntry): ApiUserRecord | ApiResponse {
  entry.tokenFingerprint = result.print.fingerprint;
  entry.tokenMasked = result.print.masked;
  const claims = result.ok ? result.claims : (result.claims ?? peekClaims(token));
  entry.tokenId = typeof claims?.jti === 'string' ? claims.jti : null;
  entry.apiUser = typeof claims?.sub === 'string' ? claims.sub : null;
  if (!result.ok) {
    entry.tokenExpired = result.reason === 'expired';
    entry.denied = `token ${result.reason}`;
    return invalidToken(result.reason, typeof claims?.exp === 'number' ? claims.exp : undefined);
  }
  const user = rt.users.get(result.claims.sub);
  const refusal = refuse(user, result.claims.gen);
  if (refusal || !user) {
    entry.denied = refusal ?? 'unknown API user';
    return invalidToken('claims', undefined);
  }
  return user;
}

function refuse(user: ApiUserRecord | undefined, generation: number): string | null {
  if (!user) return 'unknown API user';
  if (!user.active) return 'API user deactivated';
  if (generation < user.tokenGeneration) return 'token revoked';
  return null;
}

/**
 * What a resolver gets besides the request. A class, so a request costs one small object
 * rather than a handful of closures (this is built for every request).
 */
class RequestContext implements ResolverContext {
  readonly db: Domain;
  readonly scope: Scope;
  readonly clientId: string | null;
  readonly tokens: TokenIssuer;

  constructor(
    private readonly rt: Runtime,
    private readonly user: ApiUserRecord | null,
    private readonly req: InboundRequest,
  ) {
    this.db = rt.db;
    this.scope = user ? scopeOf(user) : UNSCOPED;
    this.clientId = user?.clientId ?? null;
    this.tokens = issuerOf(rt);
  }

  now(): Date {
    return new Date(this.rt.clock.now());
  }

  emit(event: Omit<DomainEvent, 'id' | 'timestamp'>): void {
    const { rt, user, req } = this;
    rt.events.emit({ origin: `${req.method} ${req.path}`, user: user?.name, userId: user?.clientId, ...event }, rt.clock.now());
  }
}

function issuerOf(rt: Runtime): TokenIssuer {
  let tokens = issuers.get(rt);
  if (!tokens) {
    tokens = tokenIssuer(rt);
    issuers.set(rt, tokens);
  }
  return tokens;
}

const scopes = new WeakMap<ApiUserRecord, Scope>();

/**
 * The user's scope from its current record. Kept per user and rebuilt when a patch gives
 * the record new store or market lists (a patch replaces them, it never edits them in place),
 * so a change still applies from the next request on.
 */
function scopeOf(user: ApiUserRecord): Scope {
  const kept = scopes.get(user);
  if (kept && kept.stores === user.stores && kept.markets === user.markets) return kept;
  const scope = createScope(user.stores, user.markets);
  scopes.set(user, scope);
  return scope;
}

function context(rt: Runtime, user: ApiUserRecord | null, req: InboundRequest): ResolverContext {
  return new RequestContext(rt, user, req);
}

const NO_QUERY = { query: {}, found: [] };

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

let isoMs = Number.NaN;
let isoText = '';

/** The ISO form of `ms`; requests arriving in the same millisecond share one string. */
function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

function startEntry(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest, startMono: number): JournalEntry {
  const query = hasKeys(req.query) ? redactQuery(req.query, rt.secrets) : NO_QUERY;
  const path = redactPath(req.path, rt.secrets);
  return {
    seq: rt.journal.nextSeq(),
    time: isoTime(rt.clock.now()),
    mono: startMono,
    tenant: rt.tenant,
    environment: rt.environment,
    listener: req.listener,
    method: req.method,
    path: path.path,
    query: query.query,
    routeId: endpoint?.id ?? null,
    requiredRole: endpoint?.role ?? null,
    tokenRequest: endpoint?.issuesToken ?? false,
    writes: endpoint?.writes ?? false,
    apiUser: null,
    tokenId: null,
    tokenFingerprint: null,
    tokenMasked: null,
    tokenExpired: false,
    denied: null,
    credentialsIn: null,
    issued: null,
    touched: null,
    secretsInUrl: path.found.length + query.found.length === 0 ? [] : [...path.found, ...query.found],
    requestBody: req.rawBody ? redactBody(req.rawBody, rt.secrets, rt.journal.maxBodyBytes) : null,
    bodyFingerprint: req.rawBody ? fingerprint(req.rawBody) : null,
    requestBytes: req.rawBody ? Buffer.byteLength(req.rawBody) : 0,
    status: 0,
    latencyMs: 0,
    responseBytes: 0,
    aborted: false,
    abortedAtMono: null,
    retryAfter: null,
    fault: null,
  };
}

type Fields = Record<string, unknown>;

function addString(set: Set<string>, value: unknown, lower: boolean): void {
  if (typeof value === 'string' && value) set.add(lower ? value.toLowerCase() : value);
}

function addStrings(set: Set<string>, values: unknown, lower: boolean): void {
  if (Array.isArray(values)) for (const v of values as unknown[]) if (typeof v === 'string') set.add(lower ? v.toLowerCase() : v);
}

// Field by field rather than over lists of names: this runs on every successful response.
function collect(item: unknown, stores: Set<string>, markets: Set<string>): void {
  if (typeof item !== 'object' || item === null) return;
  const o = item as Fields;
  addString(stores, o.storeId, false);
  addString(stores, o.warehouseCode, false);
  addString(markets, o.marketId, true);
  addString(markets, o.market, true);
  addStrings(stores, o.storeIds, false);
  addStrings(markets, o.marketIds, true);
}

/**
 * The stores and markets of the entities a response carried: the entity itself, the
 * `result` list of a search, and an `order` inside a workflow result. Cheap: no deep walk.
 */
function touched(body: unknown): { stores: string[]; markets: string[] } | null {
  if (typeof body !== 'object' || body === null) return null;
  const stores = new Set<string>();
  const markets = new Set<string>();
  const items = Array.isArray(body) ? body : Array.isArray((body as Fields).result) ? ((body as Fields).result as unknown[]) : [body];
  for (const item of items) collect(item, stores, markets);
  collect((body as Fields).order, stores, markets);
  return stores.size || markets.size ? { stores: [...stores], markets: [...markets] } : null;
}
