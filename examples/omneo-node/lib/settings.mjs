// Every setting comes from the environment (contract.md, "What the integration is given").
// Credentials in particular: "Don't hard-code secrets in source code" (the security guide's
// "Storing Secrets" table), and Omneo's own advice of one machine user per integration.

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
  'credentials.secret-not-in-source',
  'credentials.test-not-in-production',
  'credentials.least-privilege',
  'errors.backoff-on-429',
  'errors.jitter-on-429',
  'errors.no-retry-on-403',
  'errors.network-retry-bounded',
  'webhooks.validates-auth',
  'webhooks.idempotent',
  'webhooks.out-of-order',
  'webhooks.responds-in-time',
  'webhooks.https',
  'rotation.survives-secret-rotation',
  'transport.https-only',
  'data.minimal-payloads',
  'tenancy.token-per-tenant',
];

/**
 * The scopes the token asks for: exactly what the calls need (GET /api/v3/profiles and
 * /profiles/{id}: read-profiles; PUT /profiles/{id}: update-profiles). The machine user is
 * given the same ones (golive.config.json, apiUser.roles). Omneo's scope names are the SDK's
 * (`{verb}-{resource}`); `*` would be every scope of the tenant.
 */
export const SCOPES = ['read-profiles', 'update-profiles'];

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

function oneOf(env, name, allowed, fallback) {
  const value = env[name] || fallback;
  if (!allowed.includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function list(raw) {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An API base URL: https:// only, without a trailing slash (transport.https-only). */
function httpsUrl(name, raw) {
  const url = raw.replace(/\/+$/, '');
  if (!/^https:\/\//i.test(url)) throw new Error(`${name} must be an https:// URL, got "${url}"`);
  return url;
}

/**
 * OMNEO_TENANTS, when the integration serves several tenants: a JSON array of
 * `{ id, apiUrl, clientId, clientSecret }`, the first being the tenant of OMNEO_API_URL and
 * OMNEO_CLIENT_ID. `null` without it.
 */
function tenantList(raw) {
  if (!raw) return null;
  let tenants;
  try {
    tenants = JSON.parse(raw);
  } catch {
    throw new Error('OMNEO_TENANTS is not JSON');
  }
  const fields = ['id', 'apiUrl', 'clientId', 'clientSecret'];
  if (!Array.isArray(tenants) || tenants.some((t) => fields.some((f) => typeof t?.[f] !== 'string' || t[f] === ''))) {
    throw new Error(`OMNEO_TENANTS must be an array of { ${fields.join(', ')} }`);
  }
  return tenants.map((t) => ({ id: t.id, apiUrl: httpsUrl(`OMNEO_TENANTS (${t.id}) apiUrl`, t.apiUrl), clientId: t.clientId, clientSecret: t.clientSecret }));
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
    apiUrl: httpsUrl('OMNEO_API_URL', required(env, 'OMNEO_API_URL')),
    clientId: required(env, 'OMNEO_CLIENT_ID'),
    clientSecret: required(env, 'OMNEO_CLIENT_SECRET'),
    // Where the secret store puts the current credentials: read again when ours are refused
    // (the secret was rotated). Without them, a refusal is final.
    clientIdFile: env.OMNEO_CLIENT_ID_FILE || undefined,
    clientSecretFile: env.OMNEO_CLIENT_SECRET_FILE || undefined,
    // Break switch credentials.least-privilege: every scope of the tenant, as a hurried setup asks for.
    scopes: breaks.has('credentials.least-privilege') ? ['*'] : SCOPES,
    pollIntervalMs: integer(env, 'POLL_INTERVAL_MS', 2000),
    // Profiles per page of the reconciliation sweep (poller.mjs).
    pageSize: Math.max(1, integer(env, 'SYNC_PAGE_SIZE', 10)),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 10_000),
    // The first wait of the backoff (429 without Retry-After, network errors); it doubles each retry.
    backoffBaseMs: integer(env, 'BACKOFF_BASE_MS', 1000),
    // After "credentials refused" and after a 403 we stop calling for a while instead of
    // looping ("log the error and alert your team instead of retrying in a loop").
    authCooldownMs: integer(env, 'AUTH_COOLDOWN_MS', 60_000),
    forbiddenCooldownMs: integer(env, 'FORBIDDEN_COOLDOWN_MS', 60_000),
    // Every tenant served, the first being the one above; null when only that one is.
    tenants: tenantList(env.OMNEO_TENANTS),
    webhook: {
      port: webhookPort,
      path: env.WEBHOOK_PATH || '/webhooks/omneo',
      secret: env.WEBHOOK_SECRET ?? '',
      tlsCert: env.WEBHOOK_TLS_CERT || undefined,
      tlsKey: env.WEBHOOK_TLS_KEY || undefined,
      // How long a delivery is remembered, to skip it when it comes again. Omneo may retry
      // hourly, then daily (a webhook's retry_hourly, retry_daily): a day and a bit.
      dedupTtlMs: integer(env, 'WEBHOOK_DEDUP_TTL_MS', 25 * 3600 * 1000),
      // A deliberate mistake, for golive's own tests (security-tests.md case 93): `parsed` computes
      // the HMAC over the JSON parsed and serialised again instead of the bytes received, which a
      // body laid out unlike JSON.stringify (whitespace, \u escapes, key order) then fails.
      hmacOver: oneOf(env, 'GOLIVE_EXAMPLE_HMAC_OVER', ['raw', 'parsed'], 'raw'),
    },
    shop: {
      // The Shopify app's `omneo.id_secret` metafield: the shop's server signs customer ids with it.
      idSecret: env.OMNEO_ID_SECRET ?? '',
      // The Shopify customer logged in to the demo shop; without it, the first profile with a
      // `shopify` identity (looked up through the API once).
      customerId: env.SHOP_CUSTOMER_ID || undefined,
    },
    breaks,
  };
}
