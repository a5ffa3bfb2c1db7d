import { performance } from 'node:perf_hooks';
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { ApiUserRegistry, ApiUserSpec, CreatedApiUser } from '../auth/api-users.ts';
import type { FaultRules } from '../faults/rules.ts';
import { type Clock, createClock } from '../clock.ts';
import type { ApiResponse, Endpoint, HttpMethod, RequestProblem } from '../handlers/endpoint.ts';
import type { RateLimitSettings } from '../faults/rate-limit.ts';
import { handle } from '../handlers/pipeline.ts';
import type { Profile, ProfileData } from '../handlers/profile.ts';
import { createRuntime, createSharedRuntimeParts, createUserRegistry } from '../handlers/runtime.ts';
import type { Journal } from '../journal/journal.ts';
import { answerPlainly } from '../handlers/request-schema.ts';
import { type ParsedBody, parseBody, pathPattern } from './http-parse.ts';
import { paddedBody } from '../faults/reshape.ts';

export interface HandlersOptions {
  /** Base URL the handlers answer on (default: the profile's, the real test host). */
  baseUrl?: string;
  /** Seed of the generated data (default 1). */
  seed?: number;
  dataScale?: number;
  /** API users to create (default: one with the profile's owner permissions and the credentials in `DEFAULT_MSW_CREDENTIALS`). */
  apiUsers?: readonly ApiUserSpec[];
  clock?: Clock;
  /** The profile's rate limits, changed or turned off (`false`). */
  rateLimits?: Partial<RateLimitSettings> | false;
}

/** The demo credentials of the in-process handlers, so a test can hard-code them. */
export const DEFAULT_MSW_CREDENTIALS = {
  clientId: 'golive-msw-client',
  clientSecret: 'golive-msw-secret-0000000000000000',
} as const;

export interface Handlers<Db extends ProfileData = ProfileData> {
  /** Pass to `setupServer(...handlers)`. */
  handlers: HttpHandler[];
  apiUsers: CreatedApiUser[];
  journal: Journal;
  /** The data, once the first request (or `ready`) has created it. */
  ready: Promise<Db>;
  /** Deactivate, change roles, revoke tokens… as the admin API does. */
  users: Pick<ApiUserRegistry, 'create' | 'patch' | 'revokeTokens' | 'list'>;
  /** Fault rules, as the admin API's `/__admin/faults`. */
  faults: FaultRules;
}

function toResponse(response: ApiResponse): HttpResponse<string> {
  const headers = new Headers(response.headers);
  if (response.padding) return paddedResponse(response, response.padding, headers);
  let body: string | null = null;
  if (typeof response.body === 'string') {
    body = response.body;
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
  } else if (response.body !== undefined) {
    body = response.json ?? JSON.stringify(response.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  }
  return new HttpResponse(body, { status: response.status, headers });
}

/** An answer with `padding` spaces before its body (a `large-body` fault), made as the client reads it. */
function paddedResponse(response: ApiResponse, padding: number, headers: Headers): HttpResponse<string> {
  const body = Buffer.from(typeof response.body === 'string' ? response.body : '');
  headers.set('content-length', String(padding + body.length));
  const chunks = paddedBody(padding, body);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next();
      // A copy: the spaces are one buffer shared by every chunk, and a reader may keep what it was given.
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value));
    },
  });
  return new HttpResponse(stream as unknown as string, { status: response.status, headers });
}

/** More specific paths first, as fastify's router prefers static segments over parameters. */
function specificity(e: Endpoint): [number, number] {
  return [(e.path.match(/\{/g) ?? []).length, -e.path.length];
}

/**
 * A profile's simulated API as msw 2 request handlers, built from the same endpoint table
 * and pipeline as the HTTP server: for a Node integration's own tests, no network.
 *
 * @example
 * const api = createHandlers(omnium);
 * const server = setupServer(...api.handlers);
 * server.listen();
 */
export function createHandlers<Db extends ProfileData>(profile: Profile<Db>, options: HandlersOptions = {}): Handlers<Db> {
  const baseUrl = (options.baseUrl ?? profile.mswBaseUrl).replace(/\/$/, '');
  const clock = options.clock ?? createClock();
  const shared = createSharedRuntimeParts({ profile, clock, seed: options.seed, rateLimits: options.rateLimits });
  const { journal, secrets, faults } = shared;
  // The users exist at once, so a test can read their credentials before the data is generated.
  const users = createUserRegistry(profile, 'acme', 'test', () => clock.now());
  const specs = options.apiUsers ?? [{ name: 'msw test user', roles: profile.permissions.owner, ...DEFAULT_MSW_CREDENTIALS }];
  const apiUsers = specs.map((spec) => users.create(spec));
  for (const u of apiUsers) secrets.add('client-secret', u.clientSecret);
  const runtime = createRuntime(shared, { tenant: 'acme', environment: 'test', seed: options.seed, dataScale: options.dataScale, users });
  const ready = runtime.then((rt) => rt.db as Db);

  const escapedBase = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const urlOf = (path: string) => {
    const pattern = pathPattern(path);
    return { pattern, url: new RegExp(`^${escapedBase}${pattern.source.slice(1)}`, 'i') };
  };
  const refuse = profile.refusals?.invalidRequest ?? answerPlainly;

  /** Through the pipeline, as the fastify transport answers; `override` replaces what it answered (a body problem, a 405). */
  const answer = async (request: Request, endpoint: Endpoint | null, pattern: RegExp, override?: (body: ParsedBody) => ApiResponse | undefined) => {
    const start = performance.now();
    const u = new URL(request.url);
    const rawBody = await request.text();
    // Bodies are taken as sent: an encoded one is refused unread, as over HTTP.
    const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
    const parsed: ParsedBody =
      encoding && encoding !== 'identity' ? { ok: false, error: '' } : parseBody(request.headers.get('content-type') ?? undefined, rawBody);
    const problem: RequestProblem | null = parsed.ok
      ? null
      : encoding && encoding !== 'identity'
        ? { kind: 'encoding', status: 415, message: 'The request body must not be encoded (Content-Encoding: identity).', headers: { 'accept-encoding': 'identity' } }
        : { kind: 'malformed', status: 400, message: parsed.error };
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of u.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const handled = await handle(await runtime, problem ? null : endpoint, {
      method: request.method.toUpperCase() as HttpMethod,
      path: u.pathname,
      params: { ...pattern.exec(u.pathname)?.groups },
      query,
      headers: Object.fromEntries(request.headers),
      body: parsed.ok ? parsed.body : undefined,
      rawBody: rawBody || undefined,
      listener: 'msw',
      transport: u.protocol === 'http:' ? 'http' : 'https',
    });
    const { response, entry } = handled;
    const { release } = handled;
    release();
    if (response.socket === 'hang') await new Promise<never>(() => {});
    if (response.socket) {
      journal.record(entry);
      return HttpResponse.error();
    }
    const reply = problem ? refuse(problem) : (override?.(parsed) ?? response);
    const out = toResponse(reply);
    entry.status = reply.status;
    entry.latencyMs = performance.now() - start;
    entry.responseBytes = Number(out.headers.get('content-length') ?? 0);
    journal.record(entry);
    return out;
  };

  const routes = [...profile.endpoints]
    .sort((a, b) => {
      const [pa, la] = specificity(a);
      const [pb, lb] = specificity(b);
      return pa - pb || la - lb;
    })
    .map((endpoint) => {
      const { pattern, url } = urlOf(endpoint.path);
      const method = endpoint.method.toLowerCase() as Lowercase<HttpMethod>;
      return http[method](url, ({ request }) => answer(request, endpoint, pattern));
    });
  // After every route: a path of the table asked with a method it does not declare is 405 with
  // the methods it does (RFC 9110 §15.5.6), as over HTTP.
  const methodsByPath = new Map<string, Set<string>>();
  for (const e of profile.endpoints) methodsByPath.set(e.path, (methodsByPath.get(e.path) ?? new Set()).add(e.method));
  const notAllowed = [...methodsByPath].map(([path, methods]) => {
    const { pattern, url } = urlOf(path);
    const allow = [...methods].sort().join(', ');
    return http.all(url, ({ request }) => answer(request, null, pattern, () => ({ status: 405, headers: { allow } })));
  });
  const handlers = [...routes, ...notAllowed];

  return { handlers, apiUsers, journal, ready, users, faults };
}
