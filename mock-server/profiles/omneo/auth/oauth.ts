/**
 * Omneo's server credentials (omnium-api.md B2, C2): the OAuth 2.0 token endpoint of Laravel
 * Passport, `GET /api/v3/auth/verify`, and the partner proxy's Basic-auth login. An API user
 * of the mock is both the OAuth client and its machine user.
 */
import { z } from 'zod';
import type { IssuedToken, ResolverContext } from '../../../handlers/endpoint.ts';
import { type ApiResponse, type Endpoint, defineEndpoint } from '../../../handlers/endpoint.ts';
import type { JournalEntry } from '../../../journal/journal.ts';
import { ALL_SCOPES, OMNEO_API_SCOPES } from '../scopes.ts';

/** The grants the token endpoint takes: the spec cannot tell which of the two Omneo uses, so both. */
const GRANTS = ['client_credentials', 'password'] as const;

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** What every endpoint that hands out tokens for credentials is: open, not an API call, never limited. */
export const HANDS_OUT_TOKENS = { role: null, auth: false, issuesToken: true, writes: false, limit: 'none' } as const;

/** Passport's error bodies (RFC 6749 §5.2 plus Laravel's `message`). */
function oauthError(status: 400 | 401, error: string, description: string, journal: ApiResponse['journal']): ApiResponse {
  return { status, headers: NO_STORE, body: { error, error_description: description, message: description }, journal };
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The scopes asked for: `*`, a space-separated list, or none (a token that may call nothing scoped). */
function requestedScopes(scope: string | undefined): { scopes: string[] } | { unknown: string } {
  const names = (scope ?? '').split(' ').filter(Boolean);
  const unknown = names.find((n) => n !== ALL_SCOPES && !OMNEO_API_SCOPES.includes(n));
  return unknown === undefined ? { scopes: names } : { unknown };
}

type Journal = Partial<Pick<JournalEntry, 'apiUser' | 'credentialsIn' | 'issued'>>;

const issuedJournal = (journal: Journal, issued: IssuedToken): Journal => ({
  ...journal,
  issued: { tokenId: issued.tokenId, fingerprint: issued.fingerprint, exp: issued.exp },
});

const tokenForm = z
  .object({
    grant_type: z.enum(GRANTS),
    client_id: z.string(),
    client_secret: z.string(),
    username: z.string().optional(),
    password: z.string().optional(),
    scope: z.string().optional().meta({ description: '`*`, or scopes separated by spaces' }),
  })
  .meta({ id: 'OmneoTokenForm' });

/**
 * `POST /api/v3/auth/token`. A request without `scope` gets a token without scopes, as
 * Passport gives it; one copied from the guide's example (`scope:` with a colon) is such a
 * request, and the journal names its unaccepted fields. An unknown scope is `invalid_scope`;
 * a known one the API user does not hold is granted in the token but never honoured (a call
 * gets only the scopes both the token and its user have). The password grant takes the machine user's name and password, which
 * in the mock are its client id and secret.
 */
const tokenEndpoint = defineEndpoint({
  id: 'Auth_Token',
  method: 'POST',
  path: '/api/v3/auth/token',
  ...HANDS_OUT_TOKENS,
  tag: 'Auth',
  summary: 'OAuth 2.0 token (client credentials or password grant)',
  request: { body: tokenForm, bodyType: 'application/x-www-form-urlencoded' },
  response: z
    .object({ token_type: z.literal('Bearer'), expires_in: z.int(), access_token: z.string() })
    .meta({ id: 'OmneoTokenResponse' }),
  async resolve(req, ctx) {
    const clientId = field(req.body, 'client_id');
    const secret = field(req.body, 'client_secret');
    const inQuery = typeof req.query.client_secret === 'string';
    const journal: Journal = {
      apiUser: clientId ?? null,
      credentialsIn: secret !== undefined && inQuery ? 'both' : inQuery ? 'query' : secret !== undefined ? 'body' : null,
    };
    const grant = field(req.body, 'grant_type');
    if (!GRANTS.includes(grant as (typeof GRANTS)[number])) {
      return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.', journal);
    }
    if (!clientId || !secret) return oauthError(401, 'invalid_client', 'Client authentication failed', journal);
    if (grant === 'password' && (field(req.body, 'username') !== clientId || field(req.body, 'password') !== secret)) {
      // Checked before the client, so a wrong user is told apart from a wrong client.
      return oauthError(400, 'invalid_grant', 'The user credentials were incorrect.', journal);
    }
    const asked = requestedScopes(field(req.body, 'scope'));
    if ('unknown' in asked) return oauthError(400, 'invalid_scope', `The requested scope is invalid, unknown, or malformed: ${asked.unknown}`, journal);
    const issued = await ctx.tokens.issue(clientId, secret, { scope: asked.scopes });
    if (!issued) return oauthError(401, 'invalid_client', 'Client authentication failed', journal);
    return {
      status: 200,
      headers: NO_STORE,
      journal: issuedJournal(journal, issued),
      body: { token_type: 'Bearer', expires_in: issued.expiresIn, access_token: issued.token },
    };
  },
});

/** `GET /api/v3/auth/verify`: any valid server token (the SDK's check); the 401 is the pipeline's. */
const verifyEndpoint = defineEndpoint({
  id: 'Auth_Verify',
  method: 'GET',
  path: '/api/v3/auth/verify',
  role: null,
  limit: 'none',
  tag: 'Auth',
  summary: 'Whether the bearer token is valid',
  request: {},
  response: z.object({ message: z.string() }),
  resolve: () => ({ status: 200, body: { message: 'Authenticated.' } }),
});

function basicCredentials(header: string | undefined): { clientId: string; secret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 1 ? null : { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** The path of the partner proxy's login: unconfirmed (omnium-api.md B2, method 5). */
export const PROXY_LOGIN_PATH = '/login';

/** `POST /login` of the partner proxy (SFCC and others): Basic auth in, `{ token, expiry }` out. */
function proxyLogin(path: string): Endpoint {
  return defineEndpoint({
    id: 'Proxy_Login',
    method: 'POST',
    path,
    ...HANDS_OUT_TOKENS,
    tag: 'Auth',
    summary: 'Partner proxy login: Basic client id and secret for a bearer token',
    request: {},
    response: z.object({ token: z.string(), expiry: z.int().meta({ description: 'Epoch seconds' }) }),
    async resolve(req, ctx: ResolverContext) {
      const basic = basicCredentials(req.headers.authorization);
      const journal: Journal = { apiUser: basic?.clientId ?? null, credentialsIn: basic ? 'header' : null };
      const issued = basic ? await ctx.tokens.issue(basic.clientId, basic.secret, { scope: [ALL_SCOPES] }) : null;
      if (!issued) return { status: 401, headers: { 'www-authenticate': 'Basic realm="omneo"' }, body: { message: 'Unauthenticated.' }, journal };
      return { status: 200, headers: NO_STORE, journal: issuedJournal(journal, issued), body: { token: issued.token, expiry: issued.exp } };
    },
  });
}

export const oauthEndpoints = (proxyLoginPath = PROXY_LOGIN_PATH): readonly Endpoint[] => [tokenEndpoint, verifyEndpoint, proxyLogin(proxyLoginPath)];
