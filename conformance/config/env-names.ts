/**
 * The environment variables the harness gives the integration (contract.md, "What the
 * integration is given"), by the key `integration.envNames` uses to rename each one.
 */
export const ENV_NAME_DEFAULTS = {
  apiUrl: 'OMNIUM_API_URL',
  clientId: 'OMNIUM_CLIENT_ID',
  clientSecret: 'OMNIUM_CLIENT_SECRET',
  tenants: 'OMNIUM_TENANTS',
  webhookPort: 'WEBHOOK_PORT',
  webhookPath: 'WEBHOOK_PATH',
  webhookToken: 'WEBHOOK_TOKEN',
  webhookTlsCert: 'WEBHOOK_TLS_CERT',
  webhookTlsKey: 'WEBHOOK_TLS_KEY',
} as const;

/** A key of `integration.envNames`. */
export type EnvNameKey = keyof typeof ENV_NAME_DEFAULTS;

/** Every key of `integration.envNames`, in the contract's order. */
export const ENV_NAME_KEYS = Object.keys(ENV_NAME_DEFAULTS) as EnvNameKey[];

/**
 * The variable name to use for each value, after the config's renames. A platform other than
 * Omnium brings its own `standard` names (its profile declares them); nothing here guesses them.
 * @example resolveEnvNames({ apiUrl: 'OMNIUM_BASE_URL' }).apiUrl // 'OMNIUM_BASE_URL'
 */
export function resolveEnvNames(
  renames: Partial<Record<EnvNameKey, string>> = {},
  standard: Readonly<Record<EnvNameKey, string>> = ENV_NAME_DEFAULTS,
): Record<EnvNameKey, string> {
  const out = {} as Record<EnvNameKey, string>;
  for (const key of ENV_NAME_KEYS) out[key] = renames[key] ?? standard[key];
  return out;
}
