/**
 * Omneo (omnium-api.md Part B, C2): customer data and loyalty on Laravel. Server integrations
 * get OAuth 2.0 tokens with scopes (or API tokens made with chosen scopes), customers get ID
 * tokens that speak for their own profile, a Shopify page gets one by signing the customer
 * id; every refusal is Laravel's JSON message.
 */
import { randomBytes } from 'node:crypto';
import { bearerJwt } from '../../auth/bearer-jwt.ts';
import { defineProfile } from '../../handlers/profile.ts';
import { apiTokenEndpoints } from './auth/api-tokens.ts';
import { SHOPIFY_PRINCIPAL, idEndpoints } from './auth/id.ts';
import { oauthEndpoints } from './auth/oauth.ts';
import { type OmneoData, createOmneoData } from './domain/index.ts';
import { OMNEO_SIGNATURE_HEADER, omneoEvents } from './events.ts';
import { omneoTwins } from './twins.ts';
import { omneoResourceEndpoints } from './endpoints/index.ts';
import { invalidRequest } from './laravel.ts';
import { OMNEO_SCOPES } from './scopes.ts';

const UNAUTHENTICATED = { message: 'Unauthenticated.' };

/** Passport's access tokens live a year unless configured (unconfirmed for Omneo: an option of API users). */
export const OMNEO_TOKEN_LIFETIME_SECONDS = 365 * 86_400;

export const OMNEO_ENDPOINTS = [...oauthEndpoints(), ...apiTokenEndpoints, ...idEndpoints, ...omneoResourceEndpoints];

export const omneo = defineProfile<OmneoData>({
  name: 'omneo',
  title: 'Omneo',
  endpoints: OMNEO_ENDPOINTS,
  scheme: bearerJwt({ refusalBody: UNAUTHENTICATED }),
  permissions: OMNEO_SCOPES,
  createData: (options) => createOmneoData(options),
  env: {
    apiUrl: 'OMNEO_API_URL',
    clientId: 'OMNEO_CLIENT_ID',
    clientSecret: 'OMNEO_CLIENT_SECRET',
    clientIdFile: 'OMNEO_CLIENT_ID_FILE',
    clientSecretFile: 'OMNEO_CLIENT_SECRET_FILE',
    tenants: 'OMNEO_TENANTS',
    webhookPort: 'WEBHOOK_PORT',
    webhookPath: 'WEBHOOK_PATH',
    webhookToken: 'WEBHOOK_SECRET',
    webhookTlsCert: 'WEBHOOK_TLS_CERT',
    webhookTlsKey: 'WEBHOOK_TLS_KEY',
  },
  // The official starter app receives them at /api/{tenant}/webhooks/omneo (B7).
  webhookPath: '/webhooks/omneo',
  events: { ...omneoEvents, twins: omneoTwins },
  // Deliveries carry the hex HMAC-SHA256 of the raw body with the tenant's shared secret (B5).
  webhookAuth: { kind: 'signature', header: OMNEO_SIGNATURE_HEADER, secret: (db) => db.auth.webhookSecret },
  mswBaseUrl: 'https://api.demo.getomneo.com',
  // Passport client secrets: 40 random characters.
  newSecret: () => randomBytes(30).toString('base64url'),
  // Rate limits are undocumented (B6): off unless asked for.
  rateLimits: { enabled: false },
  refusals: {
    unauthenticated: { body: UNAUTHENTICATED },
    forbidden: { body: { message: 'Invalid scope(s) provided.' } },
    tooMany: { body: { message: 'Too Many Attempts.' } },
    invalidRequest,
  },
  principals: [SHOPIFY_PRINCIPAL],
  // The Shopify app's `omneo.id_secret` metafield: the storefront's server signs customer ids with it.
  secrets: { idSecret: { env: 'OMNEO_ID_SECRET', read: (db) => db.auth.idSecret } },
  tokenLifetimeSeconds: OMNEO_TOKEN_LIFETIME_SECONDS,
  maxTokenLifetimeSeconds: 2 * 365 * 86_400,
});
