import { performance } from 'node:perf_hooks';
import type { ApiUserRecord, ApiUserRegistry, EnvironmentName } from '../auth/api-users.ts';
import { grants } from '../auth/roles.ts';
import { createScope } from '../auth/scope.ts';
import { type TokenService, type VerifyFailure, peekClaims } from '../auth/tokens.ts';
import type { Clock } from '../clock.ts';
import type { Domain } from '../domain/index.ts';
import type { Journal, JournalEntry } from '../journal/journal.ts';
import { type SecretIndex, redactBody, redactPath, redactQuery } from '../journal/redact.ts';
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
    const rule = rt.faults.match({ apiUser: null, environment: rt.environment, method: req.method, path: req.path });
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
  const response = await authenticate(rt, req, entry);
  if ('status' in response) return { response, release: NOTHING_TO_RELEASE };
  const user = response;
  const rule = rt.faults.match({ apiUser: user.clientId, environment: rt.environment, method: req.method, path: req.path });
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
    const answer = await endpoint.resolve(req, context(rt, user, req));
    if (answer.status === 403 && !entry.denied) entry.denied = 'store or market out of scope';
    if (limitHeaders) answer.headers = { ...limitHeaders, ...answer.headers };
    return { response: answer, release: () => grant.release() };
  } catch (err) {
    grant.release();
    throw err;
  }
}

/** The API user behind the bearer token, or the 401 to answer. */
async function authenticate(rt: Runtime, req: InboundRequest, entry: JournalEntry): Promise<ApiUserRecord | ApiResponse> {
  const token = bearerOf(req.headers.authorization);
  if (!token) {
    entry.denied = req.headers.authorization ? 'malformed Authorization header' : 'no bearer token';
    return { status: 401, headers: WWW_AUTH_MISSING };
  }
  const verifying = rt.tokens.verify(token);
  const result = verifying instanceof Promise ? await verifying : verifying;
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

function context(rt: Runtime, user: ApiUserRecord | null, req: InboundRequest): ResolverContext {
  let tokens = issuers.get(rt);
  if (!tokens) {
    tokens = tokenIssuer(rt);
    issuers.set(rt, tokens);
  }
  const origin = `${req.method} ${req.path}`;
  return {
    db: rt.db,
    scope: user ? createScope(user.stores, user.markets) : createScope('*', '*'),
    clientId: user?.clientId ?? null,
    tokens,
    now: () => new Date(rt.clock.now()),
    emit: (event) => {
      rt.events.emit({ origin, user: user?.name, userId: user?.clientId, ...event }, rt.clock.now());
    },
  };
}

const NO_QUERY = { query: {}, found: [] };

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function startEntry(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest, startMono: number): JournalEntry {
  const query = hasKeys(req.query) ? redactQuery(req.query, rt.secrets) : NO_QUERY;
  const path = redactPath(req.path, rt.secrets);
  return {
    seq: rt.journal.nextSeq(),
    time: new Date(rt.clock.now()).toISOString(),
    mono: startMono,
    tenant: rt.tenant,
    environment: rt.environment,
    listener: req.listener,
    method: req.method,
    path: path.path,
    query: query.query,
    routeId: endpoint?.id ?? null,
    requiredRole: endpoint?.role ?? null,
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

function collect(item: unknown, stores: Set<string>, markets: Set<string>): void {
  if (typeof item !== 'object' || item === null) return;
  const o = item as Fields;
  for (const key of ['storeId', 'warehouseCode']) if (typeof o[key] === 'string' && o[key]) stores.add(o[key] as string);
  for (const key of ['marketId', 'market']) if (typeof o[key] === 'string' && o[key]) markets.add((o[key] as string).toLowerCase());
  for (const [key, set] of [['storeIds', stores], ['marketIds', markets]] as const) {
    if (Array.isArray(o[key])) for (const v of o[key] as unknown[]) if (typeof v === 'string') set.add(key === 'marketIds' ? v.toLowerCase() : v);
  }
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
