/**
 * Customer-scoped ID tokens (omnium-api.md B2, methods 3 and 4): a server asks for one with its
 * own token, or a Shopify page proves a customer id with an HMAC of it keyed by the shop's id
 * secret. An ID token carries `pid` (the profile id, or the string "null" when anonymous),
 * takes only the ID API (`credential: 'id'`), and speaks for that profile (`ctx.subject`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { defineEndpoint, type Endpoint, type IssuedToken, type ResolverContext } from '../../../handlers/endpoint.ts';
import { type OmneoData, liveProfile, profileByIdentity } from '../domain/index.ts';
import { bodyOf, invalid, notFound } from '../laravel.ts';
import { ID_PROFILE } from '../scopes.ts';
import { HANDS_OUT_TOKENS } from './oauth.ts';

/** The kind of an ID token, and of the endpoints that take one. */
export const ID_CREDENTIAL = 'id';

/** How long an ID token lives: unconfirmed; the SDK reads `exp` and asks again. */
export const ID_TOKEN_LIFETIME_SECONDS = 3_600;

/** The built-in API user Shopify-flow tokens belong to (a profile principal). */
export const SHOPIFY_PRINCIPAL = { clientId: 'omneo-shopify-storefront', name: 'Shopify storefront (Omneo app)', roles: [ID_PROFILE] };

/** `pid` of an anonymous ID token: the string, as Omneo's is. */
const ANONYMOUS = 'null';

function mintFor(ctx: ResolverContext<OmneoData>, clientId: string, pid: string): Promise<IssuedToken | null> {
  return ctx.tokens.mint(clientId, { kind: ID_CREDENTIAL, scope: [ID_PROFILE], subject: pid, claims: { pid }, lifetimeSeconds: ID_TOKEN_LIFETIME_SECONDS });
}

const issuedJournal = (clientId: string, issued: IssuedToken) => ({
  apiUser: clientId,
  issued: { tokenId: issued.tokenId, fingerprint: issued.fingerprint, exp: issued.exp },
});

/** `POST /id/api/v1/auth/token` with a server token: `{id}`, `{id, id_handle}` or `{id: ""}` (anonymous). */
const idToken = defineEndpoint<OmneoData>({
  id: 'Id_Token',
  method: 'POST',
  path: '/id/api/v1/auth/token',
  role: 'read-profiles',
  writes: false,
  tag: 'Omneo ID',
  summary: "A customer's ID token, asked for by a server",
  request: { body: z.object({ id: z.union([z.string(), z.number()]), id_handle: z.string().optional() }) },
  response: z.object({ data: z.object({ token: z.string(), exp: z.int() }) }),
  async resolve(req, ctx) {
    const body = bodyOf(req);
    if (body.id === undefined || body.id === null) return invalid({ id: ['The id field must be present.'] });
    const id = String(body.id);
    const handle = typeof body.id_handle === 'string' && body.id_handle ? body.id_handle : null;
    // The SDK drops id_handle when id is empty: an anonymous token either way.
    const profile = id === '' ? null : handle ? profileByIdentity(ctx.db, handle, id) : liveProfile(ctx.db, id);
    if (id !== '' && !profile) return notFound();
    const issued = await mintFor(ctx, ctx.clientId!, profile?.id ?? ANONYMOUS);
    if (!issued) return { status: 401, body: { message: 'Unauthenticated.' } };
    return { status: 200, journal: { issued: issuedJournal(ctx.clientId!, issued).issued }, body: { data: { token: issued.token, exp: issued.exp } } };
  },
});

/** Whether `signature` is the hex HMAC-SHA256 of `customerId` keyed by `secret`, compared in constant time. */
export function validSignature(customerId: string, signature: string, secret: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = createHmac('sha256', secret).update(customerId, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/**
 * `POST /shopify/api/v1/auth/token` `{id, signature}`: open, since the signature is the proof.
 * A customer without an Omneo profile gets an anonymous token (unconfirmed: Omneo may create one).
 */
const shopifyToken = defineEndpoint<OmneoData>({
  id: 'Shopify_Token',
  method: 'POST',
  path: '/shopify/api/v1/auth/token',
  ...HANDS_OUT_TOKENS,
  tag: 'Shopify',
  summary: "A customer's ID token for a Shopify page that signed the customer id",
  request: { body: z.object({ id: z.union([z.string(), z.number()]), signature: z.string() }) },
  response: z.object({ token: z.string(), expiry: z.int() }),
  async resolve(req, ctx) {
    const body = bodyOf(req);
    const id = typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : '';
    const signature = typeof body.signature === 'string' ? body.signature : '';
    if (!id || !validSignature(id, signature, ctx.db.auth.idSecret)) return { status: 401, body: { message: 'Unauthenticated.' } };
    const profile = profileByIdentity(ctx.db, 'shopify', id);
    const issued = await mintFor(ctx, SHOPIFY_PRINCIPAL.clientId, profile?.id ?? ANONYMOUS);
    if (!issued) return { status: 401, body: { message: 'Unauthenticated.' } };
    return { status: 200, journal: issuedJournal(SHOPIFY_PRINCIPAL.clientId, issued), body: { token: issued.token, expiry: issued.exp } };
  },
});

export const idEndpoints: readonly Endpoint<OmneoData>[] = [idToken, shopifyToken];
