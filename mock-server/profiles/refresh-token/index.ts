/**
 * A backup platform whose integrations hold a long-lived API token that is in fact a refresh
 * token (seed 004): `POST /auth/token` exchanges it for an access token of 15 minutes (the
 * profile option `accessTokenLifetimeSeconds`, and per API user `tokenLifetimeSeconds`). The
 * API token is rotated with an overlap window (none unless the rotation names one) and revoked
 * by deactivating its API user; access tokens die with it. No webhooks.
 */
import { randomBytes } from 'node:crypto';
import type { RequestProblem } from '../../handlers/endpoint.ts';
import { type Profile, defineProfile } from '../../handlers/profile.ts';
import { UNAUTHORIZED_BODY, apiTokenScheme } from './auth.ts';
import { type BackupData, createBackupData } from './domain.ts';
import { REFRESH_TOKEN_ENDPOINTS } from './endpoints.ts';
import { REFRESH_TOKEN_PERMISSIONS } from './permissions.ts';

/** An access token lives 15 minutes unless the profile option or the API user says otherwise. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 900;

export interface RefreshTokenProfileOptions {
  /** Lifetime of a new API user's access tokens (default 900 s); each API user may change its own. */
  accessTokenLifetimeSeconds?: number;
  /** Seconds an old API token keeps working after a rotation that names no window (default 0). */
  rotationOverlapSeconds?: number;
}

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
 * const fiveMinutes = createRefreshTokenProfile({ accessTokenLifetimeSeconds: 300 });
 */
export function createRefreshTokenProfile(options: RefreshTokenProfileOptions = {}): Profile<BackupData> {
  return defineProfile<BackupData>({
    name: 'refresh-token',
    title: 'Backup platform (API token → access token)',
    endpoints: [...REFRESH_TOKEN_ENDPOINTS],
    scheme: apiTokenScheme(),
    permissions: REFRESH_TOKEN_PERMISSIONS,
    createData: async (o) => createBackupData(o),
    env: {
      apiUrl: 'BACKUP_API_URL',
      clientId: 'BACKUP_CLIENT_ID',
      clientSecret: 'BACKUP_API_TOKEN',
      clientIdFile: 'BACKUP_CLIENT_ID_FILE',
      clientSecretFile: 'BACKUP_API_TOKEN_FILE',
      tenants: 'BACKUP_TENANTS',
      webhookPort: 'BACKUP_WEBHOOK_PORT',
      webhookPath: 'BACKUP_WEBHOOK_PATH',
      webhookToken: 'BACKUP_WEBHOOK_TOKEN',
      webhookTlsCert: 'BACKUP_WEBHOOK_TLS_CERT',
      webhookTlsKey: 'BACKUP_WEBHOOK_TLS_KEY',
    },
    webhookPath: '/hooks/backup',
    mswBaseUrl: 'https://api.backup.test',
    // A long random string, as the platform's console shows it once.
    newSecret: () => `bpt_${randomBytes(40).toString('base64url')}`,
    // 100 requests a minute per API token, bursts of 20; a token exchange costs the same.
    rateLimits: {
      bucketCapacity: 20,
      refillTokens: 5,
      refillIntervalMs: 3_000,
      userConcurrency: 5,
      tenantConcurrency: 10,
      batchConcurrency: 1,
      highTrafficConcurrency: 10,
    },
    refusals: {
      unauthenticated: { headers: { 'www-authenticate': 'Bearer' }, body: UNAUTHORIZED_BODY },
      forbidden: { body: { error: 'forbidden: the API token lacks the permission this call needs' } },
      tooMany: { body: { error: 'too many requests: wait for Retry-After' } },
      invalidRequest,
    },
    tokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
    ...(options.rotationOverlapSeconds !== undefined ? { rotationOverlapSeconds: options.rotationOverlapSeconds } : {}),
  });
}

export const refreshToken = createRefreshTokenProfile();
