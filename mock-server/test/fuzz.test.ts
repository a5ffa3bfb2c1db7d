import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '../handlers/openapi.ts';
import { type CreatedApiUser, type Endpoint, type MockServer, type Profile, PROFILES, createMockServer, getProfile } from '../index.ts';
import { type FuzzRequest, type Pools, concrete, createPools, learn, learnIds, requestFor } from './fuzz-arbitraries.ts';

// Property-based fuzzing of every endpoint of every profile's table (issue 15), through the real
// fastify stack: requests generated from each endpoint's request schemas, valid-shaped and
// hostile, from callers with every permission, with too few, and with none. Three properties:
//
// 1. no 5xx (the test sets no fault rule, so the mock has no reason to answer one);
// 2. every answer has a documented shape: a 2xx validates against the endpoint's response in the
//    OpenAPI document generated from the table, an error is one of the statuses and shapes the
//    platform documents (omnium-api.md A6 and C1 for Omnium, C2 for Omneo), and a caller without
//    the endpoint's permission never gets a 2xx;
// 3. no secret of the mock (client secrets, tokens, the admin token, webhook and platform secrets)
//    in any answer, nor unmasked in the journal.
//
// `npm test` runs a few requests per endpoint with a fixed seed; `npm run fuzz` runs 2,000 per
// endpoint with a new seed each time (`FUZZ_RUNS`, `FUZZ_SEED` override both) and prints what the
// run reached. A failure prints its seed, its path and the request and answer. Each resource (the
// endpoints of one tag) starts from the seeded data, so `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npx
// vitest run mock-server/test/fuzz.test.ts -t '<profile> <tag>'` replays it (ids the mock makes
// itself, a UUID, may differ).

const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 152_026);
/** Requests per endpoint: 68 endpoints × 10 take about 6 s (15 s on two busy cores). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
/** fast-check's path of a failure, to replay that one case (with the same seed and runs). */
const PATH = process.env.FUZZ_PATH;

/**
 * Findings the fuzzing made whose fix belongs in a file another change is editing, kept out of the
 * quick run until it lands. Each names its finding in `.scratch/fuzz-findings.md`; remove the entry
 * with the fix.
 */
const knownIssues: readonly KnownIssue[] = [];

/** A finding that excuses an answer's shape (property 2) while its fix is pending; never a 5xx or a secret. */
interface KnownIssue {
  readonly finding: string;
  applies(o: Observation): boolean;
}

// ---------------------------------------------------------------------------------------
// How each platform hands out tokens (its token endpoint), not a line per endpoint

type Send = (method: string, target: string, headers: Record<string, string>, body?: string) => Promise<Answer>;

interface Login {
  /** A token of the platform's main kind for an API user, from its token endpoint. */
  token(send: Send, user: CreatedApiUser): Promise<string>;
  /** Tokens of the other kinds endpoints take (`Endpoint.credential`), made with a main token. */
  readonly kinds?: Readonly<Record<string, (send: Send, token: string, mock: MockServer) => Promise<string>>>;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

const LOGINS: Readonly<Record<string, Login>> = {
  omnium: {
    async token(send, user) {
      const res = await send('POST', '/api/token', form, new URLSearchParams({ clientId: user.clientId, clientSecret: user.clientSecret }).toString());
      return expectOk(res).text;
    },
  },
  omneo: {
    async token(send, user) {
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: user.clientId, client_secret: user.clientSecret, scope: '*' });
      return (JSON.parse(expectOk(await send('POST', '/api/v3/auth/token', form, body.toString())).text) as { access_token: string }).access_token;
    },
    kinds: {
      async id(send, token, mock) {
        const profiles = (mock.snapshot() as { profiles: Record<string, unknown> }).profiles;
        const res = await send('POST', '/id/api/v1/auth/token', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ id: Object.keys(profiles)[0] }));
        return (JSON.parse(expectOk(res).text) as { data: { token: string } }).data.token;
      },
    },
  },
  // A static key: the fuzzer's callers send it as a bearer token, which this platform does not read (401 each).
  'api-key': {
    token: async (_send, user) => user.clientSecret,
  },
  // The API token (an API user's secret) is exchanged for an access token; the token endpoint takes the API token itself.
  'refresh-token': (() => {
    const apiTokens = new Map<string, string>();
    return {
      async token(send, user) {
        const res = expectOk(await send('POST', '/auth/token', { authorization: `Bearer ${user.clientSecret}` }));
        const token = (JSON.parse(res.text) as { access_token: string }).access_token;
        apiTokens.set(token, user.clientSecret);
        return token;
      },
      kinds: { 'api-token': async (_send, token) => apiTokens.get(token)! },
    };
  })(),
};

function expectOk(res: Answer): Answer {
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${res.text.slice(0, 200)}`);
  return res;
}

// ---------------------------------------------------------------------------------------
// The documented shapes

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** One exchange, and what the mock journaled of it. */
interface Observation extends Answer {
  readonly endpoint: Endpoint;
  readonly request: FuzzRequest;
  readonly sent: { method: string; target: string; body: string | undefined };
  /** The route the journal says matched (`null`: none did). */
  readonly routeId: string | null;
}

/** Why an error answer breaks the documented shape, or `null`. */
type Shape = (o: Observation) => string | null;

const mediaType = (o: Answer) => (o.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

function json(o: Answer): unknown {
  try {
    return JSON.parse(o.text);
  } catch {
    return undefined;
  }
}

const empty: Shape = (o) => (o.text === '' ? null : `a body where the platform sends none: ${o.text.slice(0, 80)}`);
const plainText: Shape = (o) => (mediaType(o) === 'text/plain' && o.text.trim() !== '' ? null : `not a plain-text message (${mediaType(o) || 'no type'}: ${o.text.slice(0, 80)})`);
const header = (name: string, pattern: RegExp): Shape => (o) => (pattern.test(o.headers[name] ?? '') ? null : `no ${name} matching ${pattern} (got ${o.headers[name] ?? 'none'})`);
const all = (...shapes: Shape[]): Shape => (o) => shapes.map((s) => s(o)).find((why) => why !== null) ?? null;
const either = (...shapes: Shape[]): Shape => (o) => {
  const whys = shapes.map((s) => s(o));
  return whys.includes(null) ? null : whys.join('; or ');
};
/** Only where no route matched: the engine's bare answer, as a framework's router gives it. */
const unrouted: Shape = (o) => (o.routeId === null ? empty(o) : 'an empty answer from a matched route');

/** ASP.NET Core's ProblemDetails (RFC 7807), as Omnium's products and stores answer a 404 (A6). */
const problemDetails: Shape = (o) => {
  const body = json(o) as { type?: unknown; title?: unknown; status?: unknown } | undefined;
  if (mediaType(o) !== 'application/problem+json') return `not application/problem+json (${mediaType(o)})`;
  return typeof body?.type === 'string' && typeof body.title === 'string' && body.status === o.status ? null : `not a ProblemDetails: ${o.text.slice(0, 80)}`;
};

/** Laravel's JSON exception body: `{ message }` (plus OAuth's `error` fields from Passport). */
const laravelMessage = (exact?: string): Shape => (o) => {
  const body = json(o) as Record<string, unknown> | undefined;
  if (mediaType(o) !== 'application/json' || typeof body !== 'object' || body === null || Array.isArray(body)) return `not a JSON object: ${o.text.slice(0, 80)}`;
  if (typeof body.message !== 'string' || (exact !== undefined && body.message !== exact)) return `message is not ${exact ?? 'a string'}: ${o.text.slice(0, 80)}`;
  const extra = Object.keys(body).filter((k) => !['message', 'error', 'error_description'].includes(k));
  return extra.length === 0 ? null : `fields besides message: ${extra.join(', ')}`;
};

/** Laravel's validation failure: `{ message, errors: { field: [messages] } }`. */
const laravelInvalid: Shape = (o) => {
  const body = json(o) as { message?: unknown; errors?: unknown } | undefined;
  const errors = body?.errors as Record<string, unknown> | undefined;
  const ok =
    typeof body?.message === 'string' &&
    typeof errors === 'object' &&
    errors !== null &&
    Object.values(errors).every((list) => Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'string'));
  return ok && Object.keys(body!).length === 2 ? null : `not Laravel's { message, errors }: ${o.text.slice(0, 120)}`;
};

/** An endpoint that needs a token says how it wants one (RFC 6750 §3). */
const challenge = (scheme: string): Shape => (o) => (o.endpoint.auth ? header('www-authenticate', new RegExp(`^${scheme}\\b`))(o) : null);

/** A JSON `{ error }` sentence (with the refused `fields` when there are some), as the api-key and refresh-token profiles answer. */
const errorSentence: Shape = (o) => {
  const body = json(o) as Record<string, unknown> | undefined;
  if (mediaType(o) !== 'application/json' || typeof body !== 'object' || body === null || typeof body.error !== 'string') return `not a JSON { error }: ${o.text.slice(0, 80)}`;
  const extra = Object.keys(body).filter((k) => k !== 'error' && k !== 'fields');
  return extra.length === 0 ? null : `fields besides error: ${extra.join(', ')}`;
};

/**
 * The error statuses each platform documents, and their shapes. Besides the platform's own: 405
 * with `Allow` to a method a path does not take (RFC 9110 §15.5.6), and 413 and 415 to a body the
 * engine refuses (`RequestProblem`), each in the platform's shape for a refused body.
 */
/** The errors both credential-style profiles answer as JSON `{ error }` (each adds its 401, and api-key its 422). */
const JSON_ERRORS: Readonly<Record<number, Shape>> = {
  400: errorSentence,
  403: errorSentence,
  404: either(errorSentence, unrouted),
  405: all(header('allow', /^[A-Z, ]+$/), either(empty, errorSentence)),
  409: errorSentence,
  413: errorSentence,
  414: errorSentence,
  415: errorSentence,
  431: errorSentence,
  429: all(errorSentence, header('retry-after', /^\d+$/)),
};

const DOCUMENTED_ERRORS: Readonly<Record<string, Readonly<Record<number, Shape>>>> = {
  // omnium-api.md A6 and C1: plain-text 400/404/409, ProblemDetails 404 on products and stores, empty 401/403/429.
  omnium: {
    400: plainText,
    401: all(empty, challenge('Bearer')),
    403: empty,
    404: either(plainText, problemDetails, unrouted),
    405: all(empty, header('allow', /^[A-Z, ]+$/)),
    409: plainText,
    413: plainText,
    // A URL longer than the router takes, a head over Node's 16 KiB: the engine's refusals in the platform's shape.
    414: plainText,
    415: plainText,
    431: plainText,
    429: all(empty, header('retry-after', /^\d+$/)),
  },
  // omnium-api.md C2: Laravel's JSON messages; Passport's OAuth errors on the token endpoint.
  omneo: {
    400: laravelMessage(),
    401: (o) => (o.endpoint.auth ? all(laravelMessage('Unauthenticated.'), challenge('Bearer'))(o) : laravelMessage()(o)),
    403: laravelMessage('Invalid scope(s) provided.'),
    404: either(laravelMessage(), unrouted),
    405: all(header('allow', /^[A-Z, ]+$/), either(empty, laravelMessage())),
    413: laravelMessage(),
    414: laravelMessage(),
    415: laravelMessage(),
    431: laravelMessage(),
    422: laravelInvalid,
    429: all(laravelMessage('Too Many Attempts.'), header('retry-after', /^\d+$/)),
  },
  // mock-server/profiles/api-key: JSON { error } for everything, 422 for a value fulfilment cannot take.
  'api-key': { ...JSON_ERRORS, 401: errorSentence, 422: errorSentence },
  // mock-server/profiles/refresh-token: JSON { error }, a Bearer challenge on every 401 of an endpoint that needs a token.
  'refresh-token': { ...JSON_ERRORS, 401: (o) => (o.endpoint.auth ? all(errorSentence, challenge('Bearer'))(o) : errorSentence(o)) },
};

/** Each endpoint's documented success: its status, and its body's schema by media type (`null`: no body). */
interface Documented {
  status: number;
  content: Map<string, z.ZodType> | null;
}

/** The 2xx answers the OpenAPI document generated from `profile`'s table declares, as zod schemas. */
function documentedAnswers(profile: Profile): Map<string, Documented> {
  const doc = openApiDocument(profile.title, profile.endpoints, []) as {
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    components: { schemas: Record<string, unknown> };
  };
  // fromJSONSchema resolves references within the schema it is given: the components go along as `$defs`.
  type JsonSchema = Parameters<typeof z.fromJSONSchema>[0] & object;
  const local = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/')) as JsonSchema;
  const defs = local(doc.components.schemas) as Record<string, JsonSchema>;
  const registry = z.registry();
  const out = new Map<string, Documented>();
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      const [status, response] = Object.entries(op.responses).find(([s]) => s.startsWith('2'))!;
      const content = response.content
        ? new Map(Object.entries(response.content).map(([type, { schema }]) => [type, z.fromJSONSchema({ ...local(schema), $defs: defs }, { registry })]))
        : null;
      out.set(op.operationId, { status: Number(status), content });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Secrets

/** Finds the mock's secrets in text: whole, or any piece of 16 characters of one (a body cut in half). */
class SecretWatch {
  readonly #pieces = new Map<string, string>();

  /** `value` to look for, named `label` in failures. A JWT's signature is its secret part (its header is every token's). */
  add(label: string, value: string): void {
    const secret = /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value) ? value.slice(value.lastIndexOf('.') + 1) : value;
    for (let i = 0; i + PIECE <= secret.length; i++) this.#pieces.set(secret.slice(i, i + PIECE), label);
  }

  /** The labels of the secrets (or pieces) `text` holds. */
  find(text: string): Set<string> {
    const found = new Set<string>();
    for (const run of text.match(/[\w-]{16,}/g) ?? []) {
      for (let i = 0; i + PIECE <= run.length; i++) {
        const label = this.#pieces.get(run.slice(i, i + PIECE));
        if (label !== undefined) found.add(label);
      }
    }
    return found;
  }
}

const PIECE = 16;

// ---------------------------------------------------------------------------------------
// The fuzzing target: one mock, its callers, its secrets

interface Target {
  readonly mock: MockServer;
  check(endpoint: Endpoint, req: FuzzRequest): Promise<void>;
  /** Back to the seeded data, and to drawing values from it alone. */
  reset(): Promise<void>;
  /** Every violation seen that a known issue covers, by finding. */
  readonly excused: Map<string, number>;
  /** Statuses answered, by endpoint: what the run reached. */
  readonly statuses: Map<string, Map<number, number>>;
  readonly journalWatch: SecretWatch;
  close(): Promise<void>;
}

async function createTarget(name: string): Promise<Target> {
  const profile = getProfile(name);
  if (!LOGINS[name] || !DOCUMENTED_ERRORS[name]) throw new Error(`fuzz.test.ts: add how ${name} hands out tokens (LOGINS) and the errors it documents (DOCUMENTED_ERRORS)`);
  const login = LOGINS[name];
  const errors = DOCUMENTED_ERRORS[name];
  const mock = await createMockServer({ profile, tls: false, rateLimits: false, dataScale: 10, demoUser: false, badTls: false, webhookRetryDelaysMs: [10] });
  const receiver = await webhookReceiver();
  const answerWatch = new SecretWatch(); // every secret an answer must never carry
  const journalWatch = new SecretWatch(); // those and the planted ones: the journal masks them all
  const watchAll = (label: string, value: string) => {
    answerWatch.add(label, value);
    journalWatch.add(label, value);
  };

  const send: Send = async (method, target, headers, body) => {
    const res = await request(`${mock.apiUrl}${target}`, { method: method as 'GET', headers, body });
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, text };
  };

  // Tokens as they are issued: the bait's may be planted; any other is a secret an answer may carry
  // only when it was issued by that very request.
  const bait = await mock.createApiUser({ name: 'Fuzz bait', roles: profile.permissions.owner });
  const planted = [bait.clientSecret];
  const issuedLog: string[] = [];
  const tokenLabel = (token: string) => `the token …${token.slice(-8)}`;
  mock.onTokenIssued((token, clientId) => {
    if (clientId === bait.clientId) planted.push(token);
    else answerWatch.add(tokenLabel(token), token);
    journalWatch.add(clientId === bait.clientId ? 'a planted token' : tokenLabel(token), token);
    issuedLog.push(token);
  });
  journalWatch.add('a planted client secret', bait.clientSecret);

  const universe = mock.universe();
  const owner = await mock.createApiUser({ name: 'Fuzz owner', roles: profile.permissions.owner });
  const scoped = await mock.createApiUser({ name: 'Fuzz scoped', roles: profile.permissions.owner, stores: universe ? universe.stores.slice(0, 1) : '*' });
  const lacking = await mock.createApiUser({ name: 'Fuzz lacking', roles: [] });
  for (const user of [owner, scoped, lacking]) watchAll(`${user.name}'s client secret`, user.clientSecret);
  watchAll('the admin token', mock.adminToken);
  const webhookToken = `whs_${randomBytes(24).toString('base64url')}`;
  mock.subscribe({ url: receiver.url, auth: { type: 'bearer', token: webhookToken } });
  watchAll('a webhook secret', webhookToken);
  const signing = mock.webhookSecret();
  if (signing) watchAll('the webhook signing secret', signing);
  for (const s of mock.platform.secrets) watchAll(`the platform secret ${s.name}`, mock.platformSecret(s.name));

  const tokens = new Map<string, string>();
  for (const [caller, user] of [['owner', owner], ['scoped', scoped], ['lacking', lacking]] as const) tokens.set(caller, await login.token(send, user));
  await login.token(send, bait);
  const kindTokens = new Map<string, string>();
  for (const [kind, make] of Object.entries(login.kinds ?? {})) kindTokens.set(kind, await make(send, tokens.get('owner')!, mock));

  const credential = (endpoint: Endpoint, caller: FuzzRequest['caller']): Record<string, string> => {
    if (caller === 'none') return {};
    if (caller === 'forged') return { authorization: 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmdXp6In0.c2lnbmF0dXJlLW9mLW5vLWtleS1hdC1hbGw' };
    if (caller === 'basic') return { authorization: `Basic ${Buffer.from(`${bait.clientId}:${bait.clientSecret}`).toString('base64')}` };
    const kind = endpoint.credential !== undefined && caller !== 'lacking' ? kindTokens.get(endpoint.credential) : undefined;
    return { authorization: `Bearer ${kind ?? tokens.get(caller)!}` };
  };

  const answers = documentedAnswers(profile);
  let pools: Pools;
  // What requests draw ids and values from: the seeded data, and the bait's credentials under the names token forms use.
  const seededPools = () => {
    pools = createPools(mock.snapshot(), planted);
    for (const key of ['clientId', 'client_id', 'username']) pools.byKey.set(key.toLowerCase(), [bait.clientId]);
    for (const key of ['clientSecret', 'client_secret', 'password']) pools.byKey.set(key.toLowerCase(), [bait.clientSecret]);
    pools.byKey.set('scope', ['*', ...profile.permissions.all.slice(0, 5)]);
    pools.byKey.set('scopes', [...profile.permissions.all]);
  };
  seededPools();
  let journalSeq = mock.journal.lastSeq;
  const excused = new Map<string, number>();
  const statuses = new Map<string, Map<number, number>>();

  async function check(endpoint: Endpoint, req: FuzzRequest): Promise<void> {
    const sent = concrete(endpoint, req, pools);
    const issuedBefore = issuedLog.length;
    const answer = await send(sent.method, sent.target, { ...sent.headers, ...credential(endpoint, req.caller) }, sent.body);
    const entries = mock.journal.since(journalSeq);
    journalSeq = Math.max(journalSeq, ...entries.map((e) => e.seq));
    const routeId = entries.at(-1)?.routeId ?? null;
    // The endpoint that answered: another than the one fuzzed when the path led elsewhere (a trailing slash, an id of `..`).
    const routed = profile.endpoints.find((e) => e.id === routeId) ?? endpoint;
    const o: Observation = { ...answer, endpoint: routed, request: req, sent, routeId };
    const issuedNow = new Set(issuedLog.slice(issuedBefore).map(tokenLabel));
    const counts = statuses.get(endpoint.id) ?? new Map<number, number>();
    counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
    statuses.set(endpoint.id, counts);
    const violations: string[] = [];
    const shapes: string[] = [];

    // 1. No 5xx.
    if (o.status >= 500) violations.push(`answered ${o.status}`);

    // 2. Only documented shapes.
    if (o.status >= 200 && o.status < 300) {
      const why = successShape(o, answers.get(routed.id)!);
      if (why) shapes.push(`a ${o.status} that breaks the documented answer: ${why}`);
      const mayNot = ['none', 'forged', 'basic'].includes(req.caller) || (req.caller === 'lacking' && !profile.permissions.grants([], routed.role));
      if (routed.auth && mayNot) violations.push(`a ${o.status} to a caller (${req.caller}) that may not call ${routed.id}`);
      const body = json(o);
      learn(pools, body);
      learnIds(pools, routed.path, body);
    } else if (o.status < 500) {
      const shape = errors[o.status];
      const why = shape ? shape(o) : `${o.status} is not a status ${profile.title} documents`;
      if (why) shapes.push(`a ${o.status} that breaks the documented shape: ${why}`);
    }

    // 3. No secret in the answer (a token this request was issued may be in its 2xx body), none unmasked in the journal.
    const inBody = [...answerWatch.find(o.text)].filter((label) => !(o.status < 300 && issuedNow.has(label)));
    for (const label of inBody) violations.push(`${label} in the answer's body`);
    for (const label of answerWatch.find(Object.values(o.headers).join('\n'))) violations.push(`${label} in the answer's headers`);
    for (const entry of entries) {
      const fields = Object.entries(entry).filter(([, v]) => journalWatch.find(JSON.stringify(v) ?? '').size > 0);
      for (const [field, value] of fields) violations.push(`${[...journalWatch.find(JSON.stringify(value))].join(', ')} unmasked in journal entry ${entry.seq}, ${field}: ${JSON.stringify(value).slice(0, 300)}`);
    }

    const issue = shapes.length > 0 ? knownIssues.find((k) => k.applies(o)) : undefined;
    if (issue) excused.set(issue.finding, (excused.get(issue.finding) ?? 0) + 1);
    else violations.push(...shapes);
    if (violations.length === 0) return;
    throw new Error(
      `${violations.join('\n')}\n  ${sent.method} ${sent.target.slice(0, 300)} as ${req.caller}` +
        `\n  body: ${sent.body === undefined ? '(none)' : sent.body.slice(0, 300)}\n  answer: ${o.status} ${o.headers['content-type'] ?? ''} ${o.text.slice(0, 300)}`,
    );
  }

  return {
    mock,
    check,
    async reset() {
      await mock.reset();
      seededPools();
    },
    excused,
    statuses,
    journalWatch,
    async close() {
      await mock.close();
      await new Promise((resolve) => receiver.server.close(resolve));
    },
  };
}

/** Why a 2xx answer breaks the endpoint's documented one, or `null`. */
function successShape(o: Observation, documented: Documented): string | null {
  if (o.status !== documented.status) return `the document declares ${documented.status}`;
  if (documented.content === null) return o.text === '' ? null : `a body where the document declares none: ${o.text.slice(0, 80)}`;
  const schema = documented.content.get(mediaType(o));
  if (!schema) return `media type ${mediaType(o) || 'none'}, not one of ${[...documented.content.keys()].join(', ')}`;
  const value = mediaType(o) === 'text/plain' ? o.text : json(o);
  const result = schema.safeParse(value);
  return result.success ? null : result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Where the mock delivers webhooks during the run: answers 200 and reads nothing. */
async function webhookReceiver(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` };
}

// ---------------------------------------------------------------------------------------

/** The endpoints of a table by tag, each run of one tag in table order. */
function byTag(endpoints: readonly Endpoint[]): [string, Endpoint[]][] {
  const groups: [string, Endpoint[]][] = [];
  for (const e of endpoints) {
    const last = groups.at(-1);
    if (last && last[0] === e.tag) last[1].push(e);
    else groups.push([e.tag, [e]]);
  }
  return groups;
}

/** Enough for the runs asked for, on a loaded machine. */
const TIMEOUT_MS = 30_000 + RUNS * 1_000;

describe.each(Object.keys(PROFILES))('fuzzing every endpoint of %s', (name) => {
  let target: Target;
  beforeAll(async () => {
    target = await createTarget(name);
  });
  afterAll(async () => {
    if (process.env.FUZZ_REPORT) {
      // What the run reached, for a long run's log: statuses by endpoint, and what the known issues excused.
      const rows = [...target.statuses].map(([id, counts]) => `${id.padEnd(28)} ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
      console.log(`${name}, seed ${SEED}, ${RUNS} runs per endpoint\n${rows.join('\n')}\nexcused: ${JSON.stringify(Object.fromEntries(target.excused))}`);
    }
    await target?.close();
  });

  // Each resource (the endpoints of one tag, in table order) starts from the seeded data: what its
  // create makes, its get, update and delete then find; `-t '<profile> <tag>'` replays one alone.
  describe.each(byTag(getProfile(name).endpoints))('%s', (_tag, endpoints) => {
    beforeAll(async () => {
      await target.reset();
    });

    it.each(endpoints.map((e) => [e.id, e] as const))(
      '%s: answers no 5xx, only documented shapes, and no secret in an answer or the journal',
      async (_id, endpoint) => {
        await fc.assert(
          fc.asyncProperty(requestFor(endpoint), (req) => target.check(endpoint, req)),
          { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}) },
        );
      },
      TIMEOUT_MS,
    );
  });

  it('leaves no secret unmasked anywhere in the journal, the logins included', () => {
    const leaks = target.mock.journal.since(0).flatMap((e) => [...target.journalWatch.find(JSON.stringify(e))].map((label) => `${label} in entry ${e.seq}`));
    expect(leaks).toEqual([]);
  });
});
