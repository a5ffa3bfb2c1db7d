/**
 * A third-party fulfilment service called server to server with a static key in the
 * `X-API-KEY` header (seed 002: a WooCommerce hook calling it with PHP and cURL). Keys are API
 * users' secrets with per-key permissions; a rotation keeps the old key working through an
 * overlap window (24 hours unless the rotation or the profile option says otherwise); a key
 * in the URL is refused and journaled. The service sends no webhooks: a shop reads statuses
 * back.
 */
import { randomBytes } from 'node:crypto';
import { apiKeyScheme } from '../../auth/api-key.ts';
import type { RequestProblem } from '../../handlers/endpoint.ts';
import { type Profile, defineProfile } from '../../handlers/profile.ts';
import { type FulfilmentData, createFulfilmentData } from './domain.ts';
import { API_KEY_ENDPOINTS } from './endpoints.ts';
import { API_KEY_PERMISSIONS } from './permissions.ts';

/** The overlap window of a rotation that names none: one day. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;

export const API_KEY_HEADER = 'X-API-KEY';

export interface ApiKeyProfileOptions {
  /** Seconds the old key keeps working after a rotation that names no window (default one day; 0: none). */
  rotationOverlapSeconds?: number;
}

const UNAUTHORIZED = { error: `missing or invalid API key: send it in the ${API_KEY_HEADER} header` };

/** The service's answer to a body it cannot take: the problem in a sentence, the refused fields by name. */
function invalidRequest(problem: RequestProblem) {
  return {
    status: problem.status,
    ...(problem.headers ? { headers: { ...problem.headers } } : {}),
    body: { error: problem.message, ...(problem.fields ? { fields: [...problem.fields] } : {}) },
  };
}

/**
 * The profile with its options.
 *
 * @example
 * const strict = createApiKeyProfile({ rotationOverlapSeconds: 3600 });
 */
export function createApiKeyProfile(options: ApiKeyProfileOptions = {}): Profile<FulfilmentData> {
  return defineProfile<FulfilmentData>({
    name: 'api-key',
    title: 'Fulfilment service (X-API-KEY)',
    endpoints: [...API_KEY_ENDPOINTS],
    scheme: apiKeyScheme({ header: API_KEY_HEADER, keyInUrl: 'refuse', refusal: { headers: {}, body: UNAUTHORIZED } }),
    permissions: API_KEY_PERMISSIONS,
    createData: async (o) => createFulfilmentData(o),
    env: {
      apiUrl: 'FULFILMENT_API_URL',
      clientId: 'FULFILMENT_KEY_ID',
      clientSecret: 'FULFILMENT_API_KEY',
      clientIdFile: 'FULFILMENT_KEY_ID_FILE',
      clientSecretFile: 'FULFILMENT_API_KEY_FILE',
      tenants: 'FULFILMENT_TENANTS',
      webhookPort: 'FULFILMENT_WEBHOOK_PORT',
      webhookPath: 'FULFILMENT_WEBHOOK_PATH',
      webhookToken: 'FULFILMENT_WEBHOOK_TOKEN',
      webhookTlsCert: 'FULFILMENT_WEBHOOK_TLS_CERT',
      webhookTlsKey: 'FULFILMENT_WEBHOOK_TLS_KEY',
    },
    webhookPath: '/hooks/fulfilment',
    mswBaseUrl: 'https://api.fulfilment.test',
    // Keys that say what they are (secret scanners know the prefix): 32 random bytes.
    newSecret: () => `fsk_${randomBytes(32).toString('base64url')}`,
    // A small service: 300 requests a minute per key, bursts of 60, 10 in flight.
    rateLimits: {
      bucketCapacity: 60,
      refillTokens: 5,
      refillIntervalMs: 1_000,
      userConcurrency: 10,
      tenantConcurrency: 20,
      batchConcurrency: 2,
      highTrafficConcurrency: 20,
      headers: true,
    },
    refusals: {
      unauthenticated: { body: UNAUTHORIZED },
      forbidden: { body: { error: 'this API key lacks the permission this call needs' } },
      tooMany: { body: { error: 'too many requests: wait for Retry-After' } },
      invalidRequest,
    },
    rotationOverlapSeconds: options.rotationOverlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS,
  });
}

export const apiKey = createApiKeyProfile();
