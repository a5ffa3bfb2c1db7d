// Settings, all from the environment (shared/spec/contract.md, "What the integration is
// given"). Nothing secret is ever read from this folder.

import { readFileSync } from 'node:fs';

/** The behaviours GOLIVE_EXAMPLE_BREAK can switch off, one check each. */
export const BREAK_IDS = Object.freeze([
  'token.renew-once-on-401',
  'errors.network-retry-bounded',
  'errors.no-retry-on-403',
  'webhooks.https',
  'webhooks.responds-in-time',
]);

class SettingsError extends Error {}

const need = (env, name) => {
  if (!env[name]) throw new SettingsError(`${name} is required`);
  return env[name];
};

const millis = (env, name, fallback) => {
  if (env[name] === undefined || env[name] === '') return fallback;
  const n = Number(env[name]);
  if (!Number.isSafeInteger(n) || n < 0) throw new SettingsError(`${name} must be a number of milliseconds, got "${env[name]}"`);
  return n;
};

const csv = (value) => String(value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * The API user's credentials. When the harness (or a secret store) hands them over as
 * files, they are read from there, so a rotated secret is picked up without a restart.
 */
export function readCredentials(env = process.env) {
  const fromFile = (name) => (env[name] ? readFileSync(env[name], 'utf8').trim() : undefined);
  return {
    clientId: fromFile('OMNIUM_CLIENT_ID_FILE') ?? need(env, 'OMNIUM_CLIENT_ID'),
    clientSecret: fromFile('OMNIUM_CLIENT_SECRET_FILE') ?? need(env, 'OMNIUM_CLIENT_SECRET'),
  };
}

export function readSettings(env = process.env) {
  const breaks = new Set(csv(env.GOLIVE_EXAMPLE_BREAK));
  for (const id of breaks) {
    if (!BREAK_IDS.includes(id)) throw new SettingsError(`GOLIVE_EXAMPLE_BREAK: "${id}" is not one of ${BREAK_IDS.join(', ')}`);
  }
  readCredentials(env); // fail at start-up, not at the first token request
  const port = env.WEBHOOK_PORT ? Number(env.WEBHOOK_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new SettingsError(`WEBHOOK_PORT is not a port: "${env.WEBHOOK_PORT}"`);
  const webhook =
    port === undefined
      ? null
      : {
          port,
          path: env.WEBHOOK_PATH || '/webhooks/omnium',
          token: need(env, 'WEBHOOK_TOKEN'),
          certFile: need(env, 'WEBHOOK_TLS_CERT'),
          keyFile: need(env, 'WEBHOOK_TLS_KEY'),
        };
  return Object.freeze({
    apiUrl: need(env, 'OMNIUM_API_URL').replace(/\/+$/, ''),
    credentials: () => readCredentials(env),
    pollIntervalMs: millis(env, 'POLL_INTERVAL_MS', 3000),
    requestTimeoutMs: millis(env, 'REQUEST_TIMEOUT_MS', 10_000),
    authCooldownMs: millis(env, 'AUTH_COOLDOWN_MS', 60_000),
    // The first poll looks this far back; later ones start where the last good one ended.
    lookbackMs: millis(env, 'SYNC_LOOKBACK_MS', 15 * 60_000),
    storeIds: csv(env.SYNC_STORE_IDS ?? 'oslo-online,store-oslo-downtown'),
    webhook,
    tenantsIgnored: Boolean(env.OMNIUM_TENANTS),
    // Network errors, timeouts and 502/503/504: attempts per request, the first included.
    // BREAK: errors.network-retry-bounded -- one attempt: the first network error or 5xx
    // ends the request (no retry at all).
    networkAttempts: breaks.has('errors.network-retry-bounded') ? 1 : 4,
    breaks,
    broken: (id) => breaks.has(id),
  });
}

export { SettingsError };
