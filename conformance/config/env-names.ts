import { ENV_NAME_KEYS, type EnvNameKey } from '../../mock-server/index.ts';

export { ENV_NAME_KEYS, type EnvNameKey };

/**
 * The variable name to use for each value (contract.md, "What the integration is given"):
 * the platform's standard names (its profile declares them: `<PLATFORM>_API_URL`…) after the
 * config's renames (`integration.envNames`).
 * @example resolveEnvNames(profile.env, { apiUrl: 'SHOP_BASE_URL' }).apiUrl // 'SHOP_BASE_URL'
 */
export function resolveEnvNames(standard: Readonly<Record<EnvNameKey, string>>, renames: Partial<Record<EnvNameKey, string>> = {}): Record<EnvNameKey, string> {
  const out = {} as Record<EnvNameKey, string>;
  for (const key of ENV_NAME_KEYS) out[key] = renames[key] ?? standard[key];
  return out;
}
