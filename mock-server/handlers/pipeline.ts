import { performance } from 'node:perf_hooks';
import type { ApiUserRecord, ApiUserRegistry, EnvironmentName } from '../auth/api-users.ts';
import { type CredentialTarget, type Grant, isGrant, refused } from '../auth/scheme.ts';
import { RefusalRecorder, type Scope, UNSCOPED, createScope } from '../auth/scope.ts';
import { TOKEN_LOCKOUT, TokenLockout } from '../auth/token-lockout.ts';
import type { TokenOrigins } from '../auth/token-origins.ts';
import type { IssueOptions, TokenService } from '../auth/tokens.ts';
import type { Clock } from '../clock.ts';
import type { EventFields } from '../domain/events.ts';
import { type ClearCredential, type Journal, type JournalEntry, PLAIN_HTTP_REFUSED } from '../journal/journal.ts';
import { type SecretIndex, redactBody, redactPath, redactQuery, secretCandidates, shown } from '../journal/redact.ts';
import { fingerprint } from '../secrets.ts';
import type { ApiRequest, ApiResponse, Endpoint, ResolverContext, TokenIssuer } from './endpoint.ts';
import type { EventBus } from './event-bus.ts';
import { acceptanceOf, unacceptedFields } from './request-schema.ts';
import type { Profile, ProfileData } from './profile.ts';
import type { RateLimiter } from '../faults/rate-limit.ts';
import { type FaultAction, type FaultMatcher, type RegisteredFaultRule, rateLimitHeaders, rateLimitKind, redirectLocation, retryAfterHeader } from '../faults/rules.ts';
import { HTML_ERROR_PAGE, withExtraFields, wrongTypes } from '../faults/reshape.ts';


/**
 * Told of a token as it is issued, in clear. `subject`: the token speaks for one end customer
 * of the platform (Omneo's ID tokens), not for the API user as a whole.
 */
export type TokenListener = (token: string, clientId: string, about: { subject?: string }) => void;

/** One tenant's environment: its own signing key, API users and data, served on its own listener. */
export interface Runtime {
  /** The platform it simulates: endpoints, credential scheme, permissions. */
  readonly profile: Profile;
  readonly tenant: string;
  readonly environment: EnvironmentName;
  readonly users: ApiUserRegistry;
  readonly tokens: TokenService;
  readonly db: ProfileData;
  readonly clock: Clock;
  readonly journal: Journal;
  readonly secrets: SecretIndex;
  readonly events: EventBus;
  /** Fault rules, shared by every runtime of a server (a rule may name the environment). */
  readonly faults: FaultMatcher;
  /** Per-user and per-tenant limits, shared by every runtime of a server. */
  readonly limits: RateLimiter;
  /** Told of every token issued, in clear, so an in-process harness can look for it in logs. Never stored. */
  readonly tokenListeners: Set<TokenListener>;
  /** Where every token of the mock was issued, shared by every runtime: a token presented to the wrong tenant is told apart. */
  readonly tokenOrigins: TokenOrigins;
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
const TEXT_TYPE = { 'content-type': 'text/plain; charset=utf-8' };
/** The body of a `status` fault that the platform answers with a message. */
const FAULT_TEXT: Partial<Record<number, string>> = {
  400: 'The request is not valid.',
  404: 'Not found.',
  500: 'Internal server error',
  502: 'Internal server error',
  503: 'Internal server error',
  504: 'Internal server error',
};
const UNPROCESSABLE = JSON.stringify({ message: 'The given data was invalid.', errors: {} });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Plays a fault rule: an answer instead of the real one, or `undefined` to go on (after a
 * delay, for latency). Socket-level faults are handed to the transport.
 */
async function playFault(rt: Runtime, rule: RegisteredFaultRule, clientId: string | null, entry: JournalEntry, req: InboundRequest): Promise<ApiResponse | undefined> {
  const action = rule.action;
  entry.fault = {
    id: rule.id,
    kind: action.kind === 'status' || action.kind === 'redirect' ? `${action.kind} ${action.status}` : action.kind === 'ratelimit' ? rateLimitKind(action) : action.kind,
  };
  switch (action.kind) {
    case 'ratelimit': // the real answer goes on, its headers added by `serve`
      return undefined;
    case 'wrong-types':
    case 'extra-fields':
    case 'html':
    case 'large-body': // the real answer goes on, reshaped once resolved (`reshaped`)
      return undefined;
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
      const own = action.status === 401 || action.status === 403 || action.status === 429 ? refusalOf(rt, action.status) : null;
      // Omnium's shapes (omnium-api.md A6): a plain message for 400, 404 and 5xx; 422 as Laravel's validation error (Omneo).
      if (action.status === 422) return { status: 422, headers: { ...JSON_TYPE, ...headers }, body: UNPROCESSABLE };
      const text = FAULT_TEXT[action.status];
      return {
        status: action.status,
        headers: { ...own?.headers, ...(text ? TEXT_TYPE : {}), ...headers },
        ...(own?.body !== undefined ? { body: own.body } : text ? { body: text } : {}),
      };
    }
    case 'empty':
      return { status: 200, headers: JSON_TYPE, body: '' };
    case 'malformed-json':
      return { status: 200, headers: JSON_TYPE, body: '{"result":[{"id":"' };
    case 'redirect':
      return { status: action.status, headers: { location: redirectLocation(action, req.path, searchOf(req.query)) } };
    default:
      return { status: 0, socket: action.kind };
  }
}

/** A request's query as a URL's search part (`?a=1&a=2`), or empty. */
function searchOf(query: InboundRequest['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const v of value === undefined ? [] : [value].flat()) params.append(name, v);
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** What a token request learnt of its client id: seconds it must wait, when locked out for failed attempts. */
interface TokenRequestState {
  lockedFor: number;
}

/** Creates the token issuer a request's resolver is given (token endpoints are the only ones that use it). */
function tokenIssuer(rt: Runtime, request: TokenRequestState): TokenIssuer {
  const sign = async (user: ApiUserRecord, options: IssueOptions) => {
    const { token, claims } = await rt.tokens.issue(user, options);
    rt.secrets.add('token', token);
    const print = fingerprint(token);
    rt.tokenOrigins.record(print, { tenant: rt.tenant, environment: rt.environment });
    for (const listener of rt.tokenListeners) listener(token, user.clientId, options.subject === undefined ? {} : { subject: options.subject });
    return { token, expiresIn: claims.exp - claims.iat, tokenId: claims.jti, exp: claims.exp, fingerprint: print };
  };
  return {
    async issue(clientId, clientSecret, options = {}) {
      const lockout = lockoutOf(rt);
      const wait = lockout?.waitSeconds(clientId) ?? 0;
      if (wait > 0) {
        // Not even the secret is looked at: the answer must not depend on it.
        request.lockedFor = wait;
        return null;
      }
      const user = rt.users.authenticate(clientId, clientSecret);
      if (!user) lockout?.fail(clientId);
      if (!user || !user.active) return null;
      return sign(user, options);
    },
    async mint(clientId, options) {
      const user = rt.users.get(clientId);
      if (!user || !user.active) return null;
      return sign(user, options);
    },
    revoke(tokenId) {
      rt.tokens.revoke(tokenId);
    },
  };
}

const lockouts = new WeakMap<Runtime, TokenLockout>();

/** The environment's failed-token-request lockout; none when the mock's limits are off (`rateLimits: false`). */
function lockoutOf(rt: Runtime): TokenLockout | null {
  if (!rt.limits.settings.enabled) return null;
  let lockout = lockouts.get(rt);
  if (!lockout) {
    lockout = new TokenLockout({ ...TOKEN_LOCKOUT, now: () => rt.clock.now() });
    lockouts.set(rt, lockout);
  }
  return lockout;
}

/**
 * The answer to a token request whose client id is locked out: 429 with `Retry-After` and the
 * platform's own 429 (Omnium's: empty), whatever the resolver made of the `null` it was given.
 * The resolver's journal fields (who asked, where the secret was) are kept.
 */
function lockedOut(rt: Runtime, seconds: number, answered: ApiResponse, entry: JournalEntry): ApiResponse {
  entry.denied = `token requests locked (more than ${TOKEN_LOCKOUT.failures} failed in ${TOKEN_LOCKOUT.windowMs / 1000} s)`;
  const refusal = rt.profile.refusals?.tooMany;
  return {
    status: 429,
    headers: { ...refusal?.headers, 'retry-after': String(seconds) },
    ...body(refusal),
    ...(answered.journal ? { journal: answered.journal } : {}),
  };
}

/**
 * The whole pipeline of one API request, transport-neutral: authenticate by the profile's
 * scheme (the API user is looked up on every request, so deactivation and role changes
 * take effect at once), play a matching fault, take a rate-limit slot, check the
 * permission with the profile's vocabulary, run the resolver with the user's current
 * scope, and prepare the journal entry. A promise only when some step has to wait (a
 * latency fault, an async resolver): most requests complete at once, and a transport that
 * checks can answer them without a turn of the microtask queue.
 */
export function handle(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest): Handled | Promise<Handled> {
  const startMono = performance.now();
  const entry = startEntry(rt, endpoint, req, startMono);
  if (!endpoint) return completed(rt, endpoint, entry, { response: { status: 404 }, release: NOTHING_TO_RELEASE });
  if (!endpoint.auth) return openEndpoint(rt, endpoint, req, entry).then((outcome) => completed(rt, endpoint, entry, outcome));
  const outcome = authorised(rt, endpoint, req, entry);
  return outcome instanceof Promise ? outcome.then((o) => completed(rt, endpoint, entry, o)) : completed(rt, endpoint, entry, outcome);
}

/** What an endpoint's pipeline came to: the response, and how to free its rate-limit slot. */
interface Outcome {
  response: ApiResponse;
  release: () => void;
  /** The fault that reshapes the answer once the journal has what the resolver answered. */
  reshape?: Reshape | undefined;
}

/** The faults that let the real answer through and reshape it. */
type Reshape = Extract<FaultAction, { kind: 'wrong-types' | 'extra-fields' | 'html' | 'large-body' }>;

function reshapeOf(rule: RegisteredFaultRule | null): Reshape | undefined {
  const action = rule?.action;
  return action?.kind === 'wrong-types' || action?.kind === 'extra-fields' || action?.kind === 'html' || action?.kind === 'large-body' ? action : undefined;
}

/** The answer as its fault reshapes it; unchanged when there is nothing to reshape, and the journal's fault kind says so (`wrong-types unchanged`). */
function reshaped(response: ApiResponse, action: Reshape, entry: JournalEntry): ApiResponse {
  const out = reshapedAnswer(response, action);
  if (!out && entry.fault) entry.fault = { ...entry.fault, kind: `${action.kind} unchanged` };
  return out ?? response;
}

function reshapedAnswer(response: ApiResponse, action: Reshape): ApiResponse | undefined {
  // No body may come with these (RFC 9110 §15.3.5, §15.4.5).
  if (response.socket || response.status === 204 || response.status === 304) return undefined;
  const { 'content-type': type, ...headers } = response.headers ?? {};
  if (action.kind === 'html') return { status: response.status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: HTML_ERROR_PAGE };
  const json = typeof response.body !== 'string' && response.body !== undefined;
  const value = json ? response.body : jsonText(type, response.body);
  // Whitespace before a JSON value leaves it the same; before a text it would change it.
  if (value === undefined) return undefined;
  if (action.kind === 'large-body') {
    const text = json ? (response.json ?? JSON.stringify(response.body)) : (response.body as string);
    const padding = action.bytes - Buffer.byteLength(text);
    if (padding <= 0) return undefined;
    return { status: response.status, headers: { ...headers, 'content-type': type ?? JSON_TYPE['content-type'] }, body: text, padding };
  }
  const changed = action.kind === 'wrong-types' ? wrongTypes(value) : withExtraFields(value);
  if (changed === undefined) return undefined;
  return { status: response.status, headers: { ...headers, 'content-type': type ?? JSON_TYPE['content-type'] }, body: changed };
}

/** A text body declared JSON, parsed; `undefined` when it is not. */
function jsonText(type: string | undefined, body: unknown): unknown {
  if (typeof body !== 'string' || !type || !/\bjson\b/i.test(type)) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** An open endpoint (no credential): a fault, or its resolver, which may issue tokens. */
async function openEndpoint(rt: Runtime, endpoint: Endpoint, req: InboundRequest, entry: JournalEntry): Promise<Outcome> {
  const rule = rt.faults.match({ apiUser: null, environment: rt.environment, method: req.method, path: req.path, identity: entry });
  const ctx = new RequestContext(rt, null, req, null);
  let response = (rule && (await playFault(rt, rule, null, entry, req))) || (await endpoint.resolve(req, ctx));
  if (ctx.lockedFor > 0) response = lockedOut(rt, ctx.lockedFor, response, entry);
  return { response, release: NOTHING_TO_RELEASE, reshape: reshapeOf(rule) };
}

/** The journal entry completed with what the pipeline answered. */
function completed(rt: Runtime, endpoint: Endpoint | null, entry: JournalEntry, { response, release, reshape }: Outcome): Handled {
  if (endpoint?.auth && entry.tokenFingerprint !== null) entry.tokenIssuedBy = rt.tokenOrigins.of(entry.tokenFingerprint);
  if (response.journal) Object.assign(entry, response.journal);
  entry.apiUser = shownApiUser(rt, entry.apiUser);
  entry.status = response.status;
  if (response.status === 429) entry.retryAfter = response.headers?.['retry-after'] ?? null;
  // What the resolver touched, before a fault reshapes what it answered.
  if (response.status < 300 && endpoint?.auth && rt.profile.touched) entry.touched = touchedOf(rt, response);
  return { response: reshape ? reshaped(response, reshape, entry) : response, entry, release };
}

/**
 * A request that came in plain HTTP to a listener that serves HTTPS: journaled with the known
 * secrets it carried in clear, and answered 403 with no body. It is never authorised nor
 * resolved (no data, no fault, no rate-limit slot); the profile's credential scheme only reads
 * whom its credential names, and a client secret is looked up, so the journal says whose
 * credentials went out in clear.
 */
export async function refusePlain(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest): Promise<Handled> {
  const entry = startEntry(rt, endpoint, req, performance.now());
  const scheme = rt.profile.scheme;
  if (req.headers[scheme.header]) {
    const authenticating = scheme.authenticate(req.headers, rt, entry, endpoint ?? NO_TARGET);
    if (authenticating instanceof Promise) await authenticating;
    if (entry.tokenFingerprint !== null) entry.tokenIssuedBy = rt.tokenOrigins.of(entry.tokenFingerprint);
  }
  entry.sentInClear = credentialsInClear(rt, req, entry);
  if (entry.tokenRequest) {
    const inQuery = entry.sentInClear.some((c) => c.kind === 'client-secret' && c.where === 'query');
    const inBody = entry.sentInClear.some((c) => c.kind === 'client-secret' && c.where === 'body');
    entry.credentialsIn = inQuery && inBody ? 'both' : inQuery ? 'query' : inBody ? 'body' : null;
  }
  entry.denied = PLAIN_HTTP_REFUSED;
  entry.apiUser = shownApiUser(rt, entry.apiUser);
  entry.status = 403;
  return { response: { status: 403 }, entry, release: NOTHING_TO_RELEASE };
}

/**
 * The journal's `apiUser` as it may be shown: the client id a request named, unless it is (or
 * holds) a known secret, as when a client sends its secret in the client-id field (a swapped
 * pair of settings) or a forged token names one as its subject; that one is masked.
 */
function shownApiUser(rt: Runtime, apiUser: string | null): string | null {
  return apiUser === null || rt.users.get(apiUser) ? apiUser : shown(apiUser, rt.secrets);
}

/**
 * The stores and markets a successful answer carried, for the journal: an id a client wrote is
 * shown as written, unless it is a secret (a token stored as a store id is answered back, and
 * must not reach the journal in clear).
 */
function touchedOf(rt: Runtime, response: ApiResponse): JournalEntry['touched'] {
  // A body sent with its text is a stored record, replaced by every write and never edited:
  // what it touched is worked out once, and again only when the known secrets have changed.
  if (response.json === undefined || typeof response.body !== 'object' || response.body === null) return touchedNow(rt, response.body);
  const kept = touchedByRecord.get(response.body);
  if (kept && kept.index === rt.secrets && kept.version === rt.secrets.version) return kept.touched;
  const touched = touchedNow(rt, response.body);
  // Frozen: shared by entries, so the journal counts it in none of them (`estimateEntryBytes`).
  if (touched) Object.freeze(touched);
  touchedByRecord.set(response.body, { index: rt.secrets, version: rt.secrets.version, touched });
  return touched;
}

/** Shared by the journal entries of every read of the record: entries are never edited once recorded. */
const touchedByRecord = new WeakMap<object, { index: SecretIndex; version: number; touched: JournalEntry['touched'] }>();

function touchedNow(rt: Runtime, body: unknown): JournalEntry['touched'] {
  const touched = rt.profile.touched!(body);
  if (touched === null) return null;
  const safe = (ids: string[]) => ids.map((id) => shown(id, rt.secrets));
  return { stores: safe(touched.stores), markets: safe(touched.markets) };
}

/** The known secrets a request carries, where they are; the API user a client secret belongs to, when the journal has none yet. */
function credentialsInClear(rt: Runtime, req: InboundRequest, entry: JournalEntry): ClearCredential[] {
  const found: ClearCredential[] = entry.secretsInUrl.map((s) => ({ kind: s.kind, where: s.where, ...(s.param ? { name: s.param } : {}) }));
  const look = (text: string, where: ClearCredential['where'], name?: string) => {
    for (const candidate of secretCandidates(text)) {
      const kind = rt.secrets.kindOf(candidate);
      if (!kind) continue;
      if (kind === 'client-secret' && !entry.apiUser) entry.apiUser = rt.users.bySecret(candidate)?.clientId ?? null;
      if (!found.some((c) => c.kind === kind && c.where === where && c.name === name)) found.push({ kind, where, ...(name ? { name } : {}) });
    }
  };
  // Node joins repeated headers, but `set-cookie` stays an array: String() joins it too.
  for (const [name, value] of Object.entries(req.headers)) if (value) look(String(value), 'header', name);
  for (const [name, value] of Object.entries(req.query)) look(String(value), 'query', name);
  if (req.rawBody) look(req.rawBody, 'body');
  return found;
}

/** The pipeline of an endpoint that takes a credential; a promise only when a step has to wait. */
function authorised(rt: Runtime, endpoint: Endpoint, req: InboundRequest, entry: JournalEntry): Outcome | Promise<Outcome> {
  // authenticate and most resolvers answer synchronously; awaiting a plain value would still
  // cost a turn of the microtask queue, so only a promise is waited for.
  const authenticating = rt.profile.scheme.authenticate(req.headers, rt, entry, endpoint);
  return authenticating instanceof Promise ? authenticating.then((a) => admitted(rt, endpoint, req, entry, a)) : admitted(rt, endpoint, req, entry, authenticating);
}

/** After authentication: the refusal, a matching fault, or on to the rate limits. */
function admitted(rt: Runtime, endpoint: Endpoint, req: InboundRequest, entry: JournalEntry, admission: Awaited<ReturnType<Profile['scheme']['authenticate']>>): Outcome | Promise<Outcome> {
  if (refused(admission)) return { response: admission, release: NOTHING_TO_RELEASE };
  const grant = isGrant(admission) ? admission : null;
  const user = grant ? grant.user : (admission as ApiUserRecord);
  const rule = rt.faults.match({ apiUser: user.clientId, environment: rt.environment, method: req.method, path: req.path, identity: entry });
  if (!rule) return limitedAndResolved(rt, endpoint, req, entry, user, grant, null);
  const reshape = reshapeOf(rule);
  return playFault(rt, rule, user.clientId, entry, req).then(async (faulted) =>
    faulted ? { response: faulted, release: NOTHING_TO_RELEASE } : { ...(await limitedAndResolved(rt, endpoint, req, entry, user, grant, rule)), reshape },
  );
}

/** A rate-limit slot, the permission check and the resolver; the slot is freed on every way out but a successful one's. */
function limitedAndResolved(
  rt: Runtime,
  endpoint: Endpoint,
  req: InboundRequest,
  entry: JournalEntry,
  user: ApiUserRecord,
  grant: Grant | null,
  /** The fault rule that matched and let the request through (latency, RateLimit headers), if any. */
  rule: RegisteredFaultRule | null,
): Outcome | Promise<Outcome> {
  const slot = rt.limits.acquire({ clientId: user.clientId, tenant: rt.tenant, limit: endpoint.limit });
  const limitHeaders = rt.limits.settings.headers ? rt.limits.headers(user.clientId) : null;
  if (!slot.ok) {
    entry.denied = `rate limit (${slot.reason})`;
    const refusal = rt.profile.refusals?.tooMany;
    return { response: { status: 429, headers: { ...refusal?.headers, ...limitHeaders, 'retry-after': String(slot.retryAfterSeconds) }, ...body(refusal) }, release: NOTHING_TO_RELEASE };
  }
  let resolving: ApiResponse | Promise<ApiResponse>;
  let ctx: RequestContext;
  try {
    // A credential's own permissions (a token's scopes) within its user's, as they stand now,
    // unless it stands on its own (a customer's ID token).
    const permissions = rt.profile.permissions;
    const byUser = !grant || grant.bounded ? permissions.grants(user.roles, endpoint.role) : true;
    if (!byUser || (grant && !permissions.grants(grant.granted, endpoint.role))) {
      entry.denied = `missing ${permissions.noun} ${endpoint.role}`;
      slot.release();
      return { response: refusalOf(rt, 403), release: NOTHING_TO_RELEASE };
    }
    ctx = new RequestContext(rt, user, req, grant);
    resolving = endpoint.resolve(req, ctx);
  } catch (err) {
    slot.release();
    throw err;
  }
  const answered = (answer: ApiResponse): Outcome => {
    try {
      if (ctx.lockedFor > 0) answer = lockedOut(rt, ctx.lockedFor, answer, entry);
      if (answer.status === 403 && !entry.denied) entry.denied = ctx.scope instanceof RefusalRecorder ? ctx.scope.denied() : 'store or market out of scope';
      if (limitHeaders) answer.headers = { ...limitHeaders, ...answer.headers };
      const ruleHeaders = rule ? rateLimitHeaders(rule.action) : undefined;
      if (ruleHeaders) answer.headers = { ...answer.headers, ...ruleHeaders };
    } catch (err) {
      slot.release();
      throw err;
    }
    return { response: answer, release: () => slot.release() };
  };
  if (!(resolving instanceof Promise)) return answered(resolving);
  return resolving.then(answered, (err: unknown) => {
    slot.release();
    throw err;
  });
}

/**
 * What a resolver gets besides the request. A class, so a request costs one small object
 * rather than a handful of closures (this is built for every request).
 */
class RequestContext implements ResolverContext<ProfileData>, TokenRequestState {
  readonly db: ProfileData;
  readonly scope: Scope;
  readonly clientId: string | null;
  readonly granted: readonly string[];
  readonly subject: string | null;
  lockedFor = 0;
  #tokens: TokenIssuer | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly user: ApiUserRecord | null,
    private readonly req: InboundRequest,
    grant: Grant | null,
  ) {
    this.db = rt.db;
    const scope = user ? scopeOf(user) : UNSCOPED;
    // Only a scope that can refuse is worth recording what it refused.
    this.scope = scope.stores === '*' && scope.markets === '*' ? scope : new RefusalRecorder(scope);
    this.clientId = user?.clientId ?? null;
    this.granted = grant ? grant.granted : (user?.roles ?? NO_PERMISSIONS);
    this.subject = grant ? grant.subject : null;
  }

  /** Made on first use: only token endpoints ask, and their issuer reports a lockout to this request. */
  get tokens(): TokenIssuer {
    this.#tokens ??= tokenIssuer(this.rt, this);
    return this.#tokens;
  }

  now(): Date {
    return new Date(this.rt.clock.now());
  }

  emit(event: EventFields): void {
    const { rt, user, req } = this;
    rt.events.emit({ origin: `${req.method} ${req.path}`, user: user?.name, userId: user?.clientId, ...event }, rt.clock.now());
  }
}

const NO_PERMISSIONS: readonly string[] = [];

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

/** The open endpoints' and unknown paths' target: the platform's main credential. */
const NO_TARGET: CredentialTarget = {};

/** A refusal's body, when the platform's has one. */
const body = (refusal: { body?: unknown } | undefined): { body?: unknown } => (refusal?.body === undefined ? {} : { body: refusal.body });

/** The platform's answer to a refused call (401, 403, 429), or a bare status when it has none of its own. */
function refusalOf(rt: Runtime, status: 401 | 403 | 429): ApiResponse {
  const own = rt.profile.refusals?.[status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'tooMany'];
  return own ? { status, ...(own.headers ? { headers: { ...own.headers } } : {}), ...body(own) } : { status };
}

const NO_QUERY = { query: {}, found: [] };

/**
 * The empty list most journal entries hold (secrets in the URL, in clear, unaccepted fields),
 * one for all of them: the journal keeps 100,000 entries, each list of its own was garbage to
 * copy at every collection. Frozen, so an entry edited by mistake fails rather than edits them all.
 */
const NONE = Object.freeze([]) as unknown as never[];

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

/** What the request sent that its endpoint does not accept; walked only when it carried a query or a body. */
function unaccepted(rt: Runtime, endpoint: Endpoint | null, req: InboundRequest): string[] | null {
  if (!endpoint?.request) return null;
  if (req.body === undefined && !hasKeys(req.query)) return NONE;
  return unacceptedFields(acceptanceOf(endpoint.request), req.query, req.body, (name) => rt.secrets.kindIn(name) !== undefined);
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
    transport: req.transport,
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
    tokenIssuedBy: null,
    denied: null,
    credentialsIn: null,
    issued: null,
    touched: null,
    secretsInUrl: path.found.length + query.found.length === 0 ? NONE : [...path.found, ...query.found],
    sentInClear: NONE,
    requestBody: req.rawBody ? redactBody(req.rawBody, rt.secrets, rt.journal.maxBodyBytes) : null,
    bodyFingerprint: req.rawBody ? fingerprint(req.rawBody) : null,
    requestBytes: req.rawBody ? Buffer.byteLength(req.rawBody) : 0,
    unaccepted: unaccepted(rt, endpoint, req),
    status: 0,
    latencyMs: 0,
    responseBytes: 0,
    aborted: false,
    abortedAtMono: null,
    retryAfter: null,
    fault: null,
  };
}
