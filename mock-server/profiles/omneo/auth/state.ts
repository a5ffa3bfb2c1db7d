/**
 * What Omneo's auth endpoints keep besides the profiles: the API tokens made through the API
 * (to list and revoke them), and the shop's id secret that Shopify pages sign customer ids with.
 */
import { randomBytes } from 'node:crypto';

/** An API token as `POST /api/v3/auth/api-tokens` and the token list show it (omnium-api.md B2). */
export interface ApiTokenRecord {
  /** The token's `jti`. */
  id: string;
  user_id: string;
  client_id: string;
  name: string;
  scopes: string[];
  revoked: boolean;
  created_at: string;
  updated_at: string;
  expires_at: string;
}

export interface OmneoAuthState {
  /** By token id. */
  readonly apiTokens: Map<string, ApiTokenRecord>;
  /** The shop's `omneo.id_secret` metafield: the key of the Shopify customer signature. */
  idSecret: string;
  /** The tenant's shared webhook secret: the key of `X-Omneo-Hmac-SHA256` on every delivery. */
  webhookSecret: string;
}

/** A fresh state; the secrets are random unless given (tests pass fixed ones). */
export function createAuthState(idSecret?: string, webhookSecret?: string): OmneoAuthState {
  return { apiTokens: new Map(), idSecret: idSecret ?? randomBytes(32).toString('hex'), webhookSecret: webhookSecret ?? randomBytes(32).toString('hex') };
}
