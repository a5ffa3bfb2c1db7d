import type { z } from 'zod';
import type { Scope } from '../auth/scope.ts';
import type { RateLimitClass } from '../faults/rate-limit.ts';
import type { EventFields } from '../domain/events.ts';
import type { JournalEntry } from '../journal/journal.ts';
import type { IssueOptions } from '../auth/tokens.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as every transport hands it to a resolver: parsed, framework-neutral. */
export interface ApiRequest {
  readonly method: HttpMethod;
  /** The path as the client sent it (original casing, no query string). */
  readonly path: string;
  /** Path parameters, by the names of the endpoint's path template. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; a key repeated in the URL gives an array. */
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** JSON-parsed body, the fields of a form body, or `undefined`. */
  readonly body: unknown;
  /** Whether it came over TLS or in plain HTTP (for a resolver that writes absolute URLs, as Laravel's paginators do). */
  readonly transport: 'https' | 'http';
}

/**
 * A resolver's answer. A string body is sent as `text/plain` unless a `content-type`
 * header says otherwise; any other defined body as JSON; `undefined` as an empty body.
 */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /**
   * `body` already serialised (exactly `JSON.stringify(body)`), when the resolver has the text
   * at hand (a stored record's, `Table.json`): transports send it rather than serialise again.
   */
  json?: string;
  /** A fault the transport must play on the socket itself: no response, or a cut one. */
  socket?: 'reset' | 'hang' | 'truncated';
  /**
   * Spaces the transport sends before the body, made as they are sent (a `large-body` fault):
   * the mock never holds them. `body` is then its text, and Content-Length counts both.
   */
  padding?: number;
  /** What the journal should know that only the resolver can tell (the token endpoint's caller). */
  journal?: Partial<Pick<JournalEntry, 'apiUser' | 'credentialsIn' | 'issued'>>;
}

/** A token just signed: what a token endpoint answers and journals. */
export interface IssuedToken {
  token: string;
  /** Seconds it lives. */
  expiresIn: number;
  tokenId: string;
  /** Its `exp` claim, in epoch seconds. */
  exp: number;
  /** `fingerprint(token)`, as the journal shows it: taken once, where the token is signed. */
  fingerprint: string;
}

/** Issuing tokens, for the endpoints that hand them out (the only resolvers that see credentials). */
export interface TokenIssuer {
  /** A signed token for these credentials, or `null` when they are wrong or the user is deactivated. */
  issue(clientId: string, clientSecret: string, options?: IssueOptions): Promise<IssuedToken | null>;
  /** A token for an API user already authenticated another way (a token made with a token, a customer's ID token); `null` when it is gone or deactivated. */
  mint(clientId: string, options: IssueOptions): Promise<IssuedToken | null>;
  /** Refuses one token (by its id) from now on. */
  revoke(tokenId: string): void;
}

/** What a resolver may use besides the request; `Db` is the profile's data model. */
export interface ResolverContext<Db = unknown> {
  readonly db: Db;
  /** The calling API user's stores and markets, from its current record. */
  readonly scope: Scope;
  /** The calling API user's client id (`null` on open endpoints). */
  readonly clientId: string | null;
  /** The permissions the caller's credential carries: a token's scopes, else its user's roles. */
  readonly granted: readonly string[];
  /** The customer the credential speaks for (a customer's ID token), else `null`. */
  readonly subject: string | null;
  readonly tokens: TokenIssuer;
  /** Current time of the mock's clock. */
  now(): Date;
  /** Publishes a domain event (webhooks, journal). */
  emit(event: EventFields): void;
}

export type Resolver<Db = unknown> = (req: ApiRequest, ctx: ResolverContext<Db>) => ApiResponse | Promise<ApiResponse>;

/**
 * What an endpoint accepts besides its path parameters: its query parameters (one key each)
 * and its body. The OpenAPI document publishes them, and the journal names the fields of a
 * request that they do not accept. An object schema with `z.looseObject` accepts any other
 * field; `z.object` accepts only its own (names match case-insensitively, as ASP.NET binds).
 */
export interface RequestSchemas {
  /** Absent: the endpoint reads no query parameter. */
  readonly query?: z.ZodObject;
  /** Absent: the endpoint reads no body. */
  readonly body?: z.ZodType;
  /** The body's media type; default `application/json`. */
  readonly bodyType?: string;
  /**
   * What a body field the `body` schema does not accept gets: named in the journal only
   * (`journal`, the default, as ASP.NET ignores a field it does not bind), or the request
   * refused (`refuse`: a `fields` problem naming them, and the resolver never runs), where a
   * field that is set without being read would be mass assignment (OWASP API3).
   */
  readonly unknownFields?: 'journal' | 'refuse';
}

/**
 * Why a request's body cannot be taken, before any resolver sees it: the engine finds it, the
 * profile answers it in the platform's shape (`Refusals.invalidRequest`; a plain-text
 * `message` with `status` when the profile has none).
 *
 * - `encoding`: a `Content-Encoding` the mock does not decode (415);
 * - `too-large`: over the listener's body limit (413);
 * - `malformed`: not JSON, nested too deep, a `__proto__` or `constructor.prototype` key, or a
 *   Content-Length the body does not match (400);
 * - `media-type`: not the media type the endpoint reads, e.g. JSON labelled `text/plain` (415);
 * - `shape`: JSON, but not the value the endpoint takes (an array where it takes an object) (400);
 * - `fields`: fields the endpoint refuses (`unknownFields: 'refuse'`), named in `fields` (400);
 * - `url`: a URL the router cannot read (a malformed escape, 400) or longer than it takes (414);
 * - `head`: a request head the HTTP parser refused: over its size (431), not sent in time (408),
 *   not HTTP (400). Answered on the socket, before any route: not journaled.
 */
export interface RequestProblem {
  readonly kind: 'encoding' | 'too-large' | 'malformed' | 'media-type' | 'shape' | 'fields' | 'url' | 'head';
  readonly status: 400 | 408 | 413 | 414 | 415 | 431;
  /** One sentence for the client, naming what is wrong; never a stack or a path of the mock. */
  readonly message: string;
  /** The fields refused (`fields`), as the journal names them without `body.` (`paid_total`, `[].role`). */
  readonly fields?: readonly string[];
  /** Headers the answer must carry (`Accept-Encoding: identity` with `encoding`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The body of a 2xx answer: one schema (JSON), or one per media type (`text/plain` for a bare string). */
export type ResponseSchema = z.ZodType | Readonly<Record<string, z.ZodType>>;

/** One endpoint of the simulated API, declared once: routing, enforcement and OpenAPI read it. */
export interface Endpoint<Db = unknown> {
  /** Stable id, used in the journal and as the OpenAPI operationId (`Orders_Get`). */
  readonly id: string;
  readonly method: HttpMethod;
  /** Path template with `{param}` segments, in the casing of the real API's documentation. */
  readonly path: string;
  /**
   * The permission required (a role, a scope: the profile's vocabulary, inheritance applied),
   * `null` when any authenticated caller may call it or it is open.
   */
  readonly role: string | null;
  /** Whether the endpoint needs a valid token at all (the token endpoint does not). */
  readonly auth: boolean;
  /** Which kind of credential it takes, when the platform has several (Omneo's ID API: `id`); absent: the main one. */
  readonly credential?: string;
  /** The endpoint exchanges credentials for a token: its requests are token requests, not API calls. */
  readonly issuesToken: boolean;
  /** The endpoint changes data (a search sent as a POST does not). */
  readonly writes: boolean;
  /** Rate-limit class (omnium-api.md A7): batch endpoints and high-traffic reads have their own limits. */
  readonly limit: RateLimitClass;
  /** Swagger tag and one-line summary. */
  readonly tag: string;
  readonly summary: string;
  /** What the endpoint accepts; `null`: not declared (the journal then judges none of its fields). */
  readonly request: RequestSchemas | null;
  /** The body of a 2xx answer; `null`: none (an empty answer, or not declared). */
  readonly response: ResponseSchema | null;
  /** The status of a successful answer (`201` for a create, `204` for an empty one); default 200. */
  readonly okStatus: number;
  /**
   * The platform documents the endpoint as deprecated: still served, with the endpoint to use
   * instead (`POST /api/BusinessCustomers/Search`). OpenAPI marks it, and certify warns on a call to it.
   */
  readonly deprecated?: string;
  /** Method syntax on purpose: an endpoint of a profile's own data model is still an `Endpoint` to the engine. */
  resolve(req: ApiRequest, ctx: ResolverContext<Db>): ApiResponse | Promise<ApiResponse>;
}

type Defaulted = 'auth' | 'limit' | 'issuesToken' | 'writes' | 'request' | 'response' | 'okStatus';

/**
 * Declares an endpoint with defaults: `auth: true`, `limit: 'default'`, `issuesToken: false`,
 * `writes` for every method but GET, unless it says otherwise (a search sent as a POST), no
 * request or response schema, and 200 for success.
 */
export function defineEndpoint<Db>(e: Omit<Endpoint<Db>, Defaulted> & Partial<Pick<Endpoint<Db>, Defaulted>>): Endpoint<Db> {
  return { auth: true, limit: 'default', issuesToken: false, writes: e.method !== 'GET', request: null, response: null, okStatus: 200, ...e };
}

/** Helpers for the shapes the real API answers with (omnium-api.md A6). */
export const reply = {
  json: (body: unknown, status = 200): ApiResponse => ({ status, body }),
  text: (body: string, status: number): ApiResponse => ({ status, body }),
  empty: (status: number): ApiResponse => ({ status }),
  /** ASP.NET Core ProblemDetails, as products and stores answer a 404. */
  problem: (status: number, title: string, detail?: string): ApiResponse => ({
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: {
      type: `https://tools.ietf.org/html/rfc9110#section-15.5.${status === 404 ? 5 : 1}`,
      title,
      status,
      ...(detail ? { detail } : {}),
      traceId: '00-00000000000000000000000000000000-0000000000000000-00',
    },
  }),
  forbidden: (): ApiResponse => ({ status: 403 }),
};
