/**
 * Omneo's API tokens made through the API (omnium-api.md B2, "Programmatic API-token
 * management"): long-lived bearer tokens with chosen scopes, listed and revoked one by one.
 * Managing tokens takes a token with every scope (`*`): the spec says "admin" without a scope.
 */
import { z } from 'zod';
import { defineEndpoint, type Endpoint } from '../../../handlers/endpoint.ts';
import type { OmneoData } from '../domain/index.ts';
import { bodyOf, invalid, noContent, notFound, omneoTime } from '../laravel.ts';
import { ALL_SCOPES, OMNEO_API_SCOPES } from '../scopes.ts';
import type { ApiTokenRecord } from './state.ts';

/** Passport's personal access tokens live a year. */
export const API_TOKEN_LIFETIME_SECONDS = 365 * 86_400;

const tokenSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    client_id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    revoked: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    expires_at: z.string(),
  })
  .meta({ id: 'OmneoApiToken' });

function scopesError(scopes: unknown): string | null {
  if (!Array.isArray(scopes) || scopes.length === 0) return 'The scopes field is required.';
  const unknown = scopes.find((s) => typeof s !== 'string' || (s !== ALL_SCOPES && !OMNEO_API_SCOPES.includes(s)));
  return unknown === undefined ? null : `The selected scopes is invalid: ${String(unknown)}.`;
}

const createToken = defineEndpoint<OmneoData>({
  id: 'ApiTokens_Create',
  method: 'POST',
  path: '/api/v3/auth/api-tokens',
  role: ALL_SCOPES,
  tag: 'Auth',
  summary: 'Creates an API token with the given scopes (shown once)',
  request: { body: z.object({ name: z.string(), scopes: z.array(z.string()) }) },
  response: z.object({ accessToken: z.string(), token: tokenSchema }),
  async resolve(req, ctx) {
    const body = bodyOf(req);
    const errors: Record<string, string[]> = {};
    if (typeof body.name !== 'string' || !body.name.trim()) errors.name = ['The name field is required.'];
    const scopeError = scopesError(body.scopes);
    if (scopeError) errors.scopes = [scopeError];
    if (Object.keys(errors).length > 0) return invalid(errors);
    const scopes = body.scopes as string[];
    // A token may not carry more than the token that makes it: that one's scopes bound its user's.
    const beyond = scopes.filter((s) => !ctx.granted.includes(ALL_SCOPES) && !ctx.granted.includes(s));
    if (beyond.length > 0) return invalid({ scopes: [`The selected scopes is invalid: ${beyond[0]}.`] });
    const issued = await ctx.tokens.mint(ctx.clientId!, { scope: scopes, lifetimeSeconds: API_TOKEN_LIFETIME_SECONDS });
    if (!issued) return { status: 401, body: { message: 'Unauthenticated.' } };
    const now = omneoTime(ctx.now().getTime());
    const record: ApiTokenRecord = {
      id: issued.tokenId,
      user_id: ctx.clientId!,
      client_id: ctx.clientId!,
      name: (body.name as string).trim(),
      scopes: [...scopes],
      revoked: false,
      created_at: now,
      updated_at: now,
      expires_at: omneoTime(issued.exp * 1000),
    };
    ctx.db.auth.apiTokens.set(record.id, record);
    return { status: 200, body: { accessToken: issued.token, token: record } };
  },
});

const listTokens = defineEndpoint<OmneoData>({
  id: 'AccessTokens_List',
  method: 'GET',
  path: '/api/v3/auth/access-tokens',
  role: ALL_SCOPES,
  tag: 'Auth',
  summary: "The caller's API tokens (a bare array)",
  request: { query: z.object({ type: z.enum(['current']).optional() }) },
  response: z.array(tokenSchema),
  resolve(_req, ctx) {
    const mine = [...ctx.db.auth.apiTokens.values()].filter((t) => t.user_id === ctx.clientId);
    return { status: 200, body: mine };
  },
});

const revokeToken = defineEndpoint<OmneoData>({
  id: 'ApiTokens_Delete',
  method: 'DELETE',
  path: '/api/v3/auth/api-tokens/{id}',
  role: ALL_SCOPES,
  tag: 'Auth',
  summary: 'Revokes an API token',
  okStatus: 204,
  resolve(req, ctx) {
    const record = ctx.db.auth.apiTokens.get(req.params.id ?? '');
    if (!record || record.user_id !== ctx.clientId) return notFound();
    ctx.tokens.revoke(record.id);
    record.revoked = true;
    record.updated_at = omneoTime(ctx.now().getTime());
    return noContent();
  },
});

export const apiTokenEndpoints: readonly Endpoint<OmneoData>[] = [createToken, listTokens, revokeToken];
