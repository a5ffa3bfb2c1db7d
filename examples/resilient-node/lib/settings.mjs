// Every setting comes from the environment (contract.md, "What the integration is given").
// Credentials in particular: the guide's "Storing Secrets" table says "Use environment
// variables or secure configuration" and "Don't hard-code secrets in source code".

/** The check ids that GOLIVE_EXAMPLE_BREAK may name; each turns off one behaviour. */
export const BREAK_SWITCHES = [
  'token.cached-and-reused',
  'token.proactive-renewal',
  'token.renew-once-on-401',
  'token.no-retry-loop',
  'token.not-in-url',
  'token.secret-in-body',
  'token.not-logged',
  'token.not-in-browser',
  'token.tls-verified',
  'token.not-sent-on-redirect',
  'credentials.secret-not-in-source',
  'credentials.test-not-in-production',
  'errors.backoff-on-429',
  'errors.jitter-on-429',
  'errors.no-retry-on-403',
  'errors.no-retry-on-4xx',
  'errors.network-retry-bounded',
  'errors.backoff-in-outage',
  'errors.ratelimit-pause',
  'errors.survives-malformed-responses',
  'webhooks.validates-auth',
  'webhooks.idempotent',
  'webhooks.responds-in-time',
  'webhooks.ignores-unknown-events',
  'webhooks.https',
  'rotation.survives-secret-rotation',
  'transport.https-only',
  'data.minimal-payloads',
  'data.no-deprecated-endpoints',
  'tenancy.token-per-tenant',
];

function required(env, name) {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function integer(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function list(raw) {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * OMNIUM_TENANTS, when the integration serves several tenants: a JSON array of
 * `{ id, apiUrl, clientId, clientSecret }`, the first being the tenant of OMNIUM_API_URL and
 * OMNIUM_CLIENT_ID. `null` without it.
 */
function tenantList(raw) {
  if (!raw) return null;
  let tenants;
  try {
    tenants = JSON.parse(raw);
  } catch {
    throw new Error('OMNIUM_TENANTS is not JSON');
  }
  const fields = ['id', 'apiUrl', 'clientId', 'clientSecret'];
  if (!Array.isArray(tenants) || tenants.some((t) => fields.some((f) => typeof t?.[f] !== 'string' || t[f] === ''))) {
    throw new Error(`OMNIUM_TENANTS must be an array of { ${fields.join(', ')} }`);
  }
  return tenants.map((t) => ({ id: t.id, apiUrl: t.apiUrl.replace(/\/+$/, ''), clientId: t.clientId, clientSecret: t.clientSecret }));
}

/** Reads and checks every setting once, at start-up. */
export function loadSettings(env = process.env) {
  const breaks = new Set(list(env.GOLIVE_EXAMPLE_BREAK));
  const unknown = [...breaks].filter((id) => !BREAK_SWITCHES.includes(id));
  if (unknown.length > 0) {
    throw new Error(`GOLIVE_EXAMPLE_BREAK: unknown switch ${unknown.join(', ')} (known: ${BREAK_SWITCHES.join(', ')})`);
  }
  const webhookPort = env.WEBHOOK_PORT ? integer(env, 'WEBHOOK_PORT', 0) : undefined;
  return {
    apiUrl: required(env, 'OMNIUM_API_URL').replace(/\/+$/, ''),
    clientId: required(env, 'OMNIUM_CLIENT_ID'),
    clientSecret: required(env, 'OMNIUM_CLIENT_SECRET'),
    // Where the secret store puts the current credentials: read again when ours are refused
    // (the secret was rotated). Without them, a refusal is final.
    clientIdFile: env.OMNIUM_CLIENT_ID_FILE || undefined,
    clientSecretFile: env.OMNIUM_CLIENT_SECRET_FILE || undefined,
    pollIntervalMs: integer(env, 'POLL_INTERVAL_MS', 2000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 10_000),
    // The first wait of the backoff (429 without Retry-After, network errors); it doubles each retry.
    backoffBaseMs: integer(env, 'BACKOFF_BASE_MS', 1000),
    // After "401 after renewal" and after a 403 we stop calling for a while instead of
    // looping (guide: "log the error and alert your team instead of retrying in a loop").
    authCooldownMs: integer(env, 'AUTH_COOLDOWN_MS', 60_000),
    forbiddenCooldownMs: integer(env, 'FORBIDDEN_COOLDOWN_MS', 60_000),
    // The stores this sync serves; the API user is scoped to the same ones.
    storeIds: list(env.SYNC_STORE_IDS ?? 'oslo-online,store-oslo-downtown'),
    // Every tenant served, the first being the one above; null when only that one is.
    tenants: tenantList(env.OMNIUM_TENANTS),
    webhook: {
      port: webhookPort,
      path: env.WEBHOOK_PATH || '/webhooks/omnium',
      token: env.WEBHOOK_TOKEN ?? '',
      tlsCert: env.WEBHOOK_TLS_CERT || undefined,
      tlsKey: env.WEBHOOK_TLS_KEY || undefined,
    },
    breaks,
  };
}
