import type { CreatedApiUser, MockServer } from '../../mock-server/index.ts';
import type { GoliveConfig } from '../config/define.ts';
import { resolveEnvNames } from '../config/env-names.ts';
import type { CredentialFiles } from './run-credentials.ts';

/** What a run's integration is given for its webhook endpoint: the secret, the port, the certificate and key files. */
export interface WebhookEnv {
  token: string;
  port: number;
  certPath: string;
  keyPath: string;
}

/** One tenant the integration serves, as the tenants variable lists it (contract.md: `{ id, apiUrl, clientId, clientSecret }`). */
export interface TenantEnv {
  id: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The environment of contract.md, renamed per `integration.envNames`; `files` hold the same
 * credentials as `user`'s. With `tenants` (two or more: the first is `user`'s own, at `apiUrl`),
 * the tenants variable lists them all as JSON; the other variables stay the first tenant's.
 */
export function integrationEnv(
  config: GoliveConfig,
  mock: MockServer,
  apiUrl: string,
  user: CreatedApiUser,
  files: CredentialFiles,
  webhook: WebhookEnv,
  tenants?: readonly TenantEnv[],
): Record<string, string> {
  const names = resolveEnvNames(mock.platform.env, config.integration.envNames);
  const ca = mock.caCertPath!;
  return {
    ...(tenants && tenants.length >= 2 ? { [names.tenants]: JSON.stringify(tenants) } : {}),
    [names.apiUrl]: apiUrl,
    [names.clientId]: user.clientId,
    [names.clientSecret]: user.clientSecret,
    [names.clientIdFile]: files.clientId,
    [names.clientSecretFile]: files.clientSecret,
    [names.webhookPort]: String(webhook.port),
    [names.webhookPath]: config.webhook?.path ?? mock.platform.webhookPath,
    [names.webhookToken]: webhook.token,
    [names.webhookTlsCert]: webhook.certPath,
    [names.webhookTlsKey]: webhook.keyPath,
    // The platform's own secrets (a shop's id secret), of the user's environment.
    ...Object.fromEntries(mock.platform.secrets.map(({ name, env }) => [env, mock.platformSecret(name, { tenant: user.tenant, environment: user.environment })])),
    NODE_EXTRA_CA_CERTS: ca,
    SSL_CERT_FILE: ca,
    REQUESTS_CA_BUNDLE: ca,
    CURL_CA_BUNDLE: ca,
    // Python buffers its output when it is not a terminal; lines must reach golive as they are printed.
    PYTHONUNBUFFERED: '1',
    ...config.integration.env,
  };
}
