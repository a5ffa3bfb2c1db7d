import { z } from 'zod';
import { type Endpoint, defineEndpoint } from '../endpoint.ts';

function field(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  // ASP.NET model binding matches parameter names case-insensitively.
  const key = Object.keys(source).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : (source as Record<string, unknown>)[key];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' ? one : undefined;
}

/** The credentials, in the query (as Swagger declares) or a form body (as the Get Access page posts, with `grant_type`, ignored). */
const credentials = {
  clientId: z.string().optional(),
  clientSecret: z.string().optional(),
  returnAsJson: z.boolean().optional(),
};

/**
 * `POST /api/token` (omnium-api.md A2): credentials in the query string or a form body,
 * `grant_type` ignored; the raw JWT as text, or JSON with `returnAsJson=true`.
 */
export const tokenEndpoint: Endpoint = defineEndpoint({
  id: 'Token_Post',
  method: 'POST',
  path: '/api/Token',
  role: null,
  auth: false,
  issuesToken: true,
  writes: false,
  limit: 'none',
  tag: 'Tokens',
  summary: 'Create a new token',
  request: {
    query: z.object(credentials),
    body: z.object({ ...credentials, grant_type: z.string().optional() }).meta({ id: 'TokenForm' }),
    bodyType: 'application/x-www-form-urlencoded',
  },
  response: {
    'text/plain': z.string().meta({ description: 'The JWT itself (the default)' }),
    'application/json': z
      .object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.int() })
      .meta({ id: 'OmniumTokenResponse', description: 'With returnAsJson=true' }),
  },
  async resolve(req, ctx) {
    const fromQuery = { id: field(req.query, 'clientId'), secret: field(req.query, 'clientSecret') };
    const fromBody = { id: field(req.body, 'clientId'), secret: field(req.body, 'clientSecret') };
    const clientId = fromBody.id ?? fromQuery.id;
    const clientSecret = fromBody.secret ?? fromQuery.secret;
    const inQuery = fromQuery.secret !== undefined;
    const inBody = fromBody.secret !== undefined;
    const journal = {
      apiUser: clientId ?? null,
      credentialsIn: inQuery && inBody ? ('both' as const) : inQuery ? ('query' as const) : inBody ? ('body' as const) : null,
    };
    const issued = clientId && clientSecret ? await ctx.tokens.issue(clientId, clientSecret) : null;
    if (!issued) return { status: 401, journal };
    const issuedInfo = { ...journal, issued: { tokenId: issued.tokenId, fingerprint: issued.fingerprint, exp: issued.exp } };
    const asJson = (field(req.query, 'returnAsJson') ?? field(req.body, 'returnAsJson'))?.toLowerCase() === 'true';
    if (asJson) {
      return { status: 200, journal: issuedInfo, body: { accessToken: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresIn } };
    }
    return { status: 200, journal: issuedInfo, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: issued.token };
  },
});

/** `GET /api/Health`: 200 when the services are healthy; open, as its path and auth are unconfirmed. */
export const healthEndpoint: Endpoint = defineEndpoint({
  id: 'Health_Get',
  method: 'GET',
  path: '/api/Health',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Health',
  summary: 'Will return 200 when Omnium services are healthy',
  request: {},
  response: { 'text/plain': z.literal('Healthy') },
  resolve: () => ({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Healthy' }),
});
