// Loyalty-to-CRM profile sync, the resilient way: a teaching example for golive's Omneo profile.
// Runs with plain Node 20 (no npm packages). See README.md for what each part shows.

import { createApiClient } from './lib/api-client.mjs';
import { log } from './lib/log.mjs';
import { createPoller } from './lib/poller.mjs';
import { loadSettings } from './lib/settings.mjs';
import { createStorefront } from './lib/storefront.mjs';
import { AuthPausedError, createTokenProvider } from './lib/token-provider.mjs';
import { createWebhookServer } from './lib/webhook-server.mjs';

let settings;
try {
  settings = loadSettings();
} catch (error) {
  log.error(`configuration: ${error.message}`);
  process.exit(1);
}

if (settings.breaks.size > 0) log.warn(`break switches on: ${[...settings.breaks].join(', ')}`);
// Break switch only. Never do this for real: it makes every HTTPS call accept any
// certificate, so the client secret goes to whoever answers (checklist token.tls-verified).
if (settings.breaks.has('token.tls-verified')) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const shutdown = new AbortController();
const { signal } = shutdown;
const tokens = createTokenProvider(settings, { signal });
const api = createApiClient(settings, tokens, { signal });
const poller = createPoller(settings, api, { signal });
// The other tenants in OMNEO_TENANTS (the first is the one above, which also has the webhook
// endpoint and the storefront): each its own token provider, so its own token cache, and poller.
const renewalCache = settings.breaks.has('tenancy.token-per-tenant') ? tokens : null; // break switch only
const otherTenants = (settings.tenants ?? []).slice(1).map((tenant) => {
  const own = { ...settings, ...tenant, clientIdFile: undefined, clientSecretFile: undefined };
  const tenantTokens = createTokenProvider(own, { signal, renewalCache });
  return { tokens: tenantTokens, poller: createPoller(own, createApiClient(own, tenantTokens, { signal }), { signal }) };
});

// How often each profile version was synced. With de-duplication every count stays at 1; the
// webhooks.idempotent break switch shows what a redelivery does without it.
const processed = new Map();

function countProcessing(key) {
  const times = (processed.get(key) ?? 0) + 1;
  processed.set(key, times);
  if (processed.size > 10_000) processed.delete(processed.keys().next().value);
  return times;
}

/** The CRM's segment for a loyalty profile: what this sync owns and writes back. */
function crmSegment(profile) {
  const points = Number(profile.point_balance) || 0;
  return points >= 1000 ? 'high-value' : points > 0 ? 'active' : 'new';
}

/**
 * The write-back: the CRM's segment and the time of this sync, in the profile's custom fields
 * (the other custom fields kept as they are). Only the field this sync owns is sent; a PUT
 * takes the fields it is given. It also sets the profile's `updated_at`, so doing it twice
 * for one event is a visible change: the reason a redelivery must be skipped.
 */
function writeBack(profile) {
  const custom_fields = { ...(profile.custom_fields ?? {}), crm_segment: crmSegment(profile), crm_synced_at: new Date().toISOString() };
  if (settings.breaks.has('data.minimal-payloads')) {
    // Break switch: the whole profile as read, sent back with the change: ids, balances,
    // identities and every other field the update does not take ride along.
    return { ...profile, custom_fields };
  }
  return { custom_fields };
}

const SYNCED_TRIGGERS = new Set(['profile.created', 'profile.updated']);

/**
 * The asynchronous part of a delivery. The body is the profile as it was when the event was
 * raised; the sync reads it again (it may have changed since), then writes the CRM's segment back.
 */
// The work on each profile, one event at a time, in the order they arrived: two events of one
// profile handled at once could write back in either order.
const queues = new Map();

function oneAtATime(profileId, work) {
  const done = (queues.get(profileId) ?? Promise.resolve()).then(work);
  const settled = done.catch(() => {});
  queues.set(profileId, settled);
  settled.then(() => {
    if (queues.get(profileId) === settled) queues.delete(profileId);
  });
  return done;
}

async function processEvent(event, { trigger, label }) {
  if (!SYNCED_TRIGGERS.has(trigger) || typeof event.id !== 'string' || event.id === '') return log.info(`webhook: ${label} needs no work`);
  return oneAtATime(event.id, () => syncProfile(event, label));
}

async function syncProfile(event, label) {
  try {
    const path = `/api/v3/profiles/${encodeURIComponent(event.id)}`;
    // Break switch: the delivered body is taken for the profile's current state. Deliveries can
    // come out of order, so a late `profile.created` writes back the segment of a profile as it
    // was made, over that of its later points.
    const profile = settings.breaks.has('webhooks.out-of-order') ? event : (await api.get(path, { route: 'GET /api/v3/profiles/{id}' }))?.data;
    if (!profile?.id) throw new Error(`${path} answered without a profile`);
    const saved = (await api.put(path, writeBack(profile), { route: 'PUT /api/v3/profiles/{id}' }))?.data;
    const times = countProcessing(`${event.id}@${event.updated_at ?? ''}`);
    log.info(`webhook: ${label} processed: profile ${profile.id} is "${saved?.custom_fields?.crm_segment}" in the CRM (times processed: ${times})`);
  } catch (error) {
    if (signal.aborted || error instanceof AuthPausedError || error.logged) return;
    log.error(`webhook: ${label} not processed: ${error.message}`);
  }
}

const webhook =
  settings.webhook.port === undefined
    ? null
    : createWebhookServer(settings, { onEvent: processEvent, signal, pages: createStorefront(settings, api) });

let stopping = false;
async function stop(signalName) {
  if (stopping) return;
  stopping = true;
  log.info(`${signalName}: stopping`);
  shutdown.abort(); // ends sleeps and in-flight requests
  await webhook?.close();
  for (const t of [{ tokens }, ...otherTenants]) t.tokens.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM')); // on, not once: golive signals the group and the process, and stop() runs once
process.on('SIGINT', () => stop('SIGINT'));

try {
  if (webhook) log.info(`webhook endpoint listening on ${await webhook.start()}`);
  else log.warn('WEBHOOK_PORT is not set: no webhook endpoint');
} catch (error) {
  log.error(`webhook endpoint: ${error.message}`);
  process.exit(1);
}
if (settings.breaks.has('credentials.test-not-in-production')) {
  // Break switch: have a token in the shared cache before the harness starts the
  // production run (it starts it once this run is ready).
  await tokens.get().catch(() => {});
}
console.log('ready'); // the harness waits for this line (golive.config.json, readyWhen)
await Promise.all([poller, ...otherTenants.map((t) => t.poller)].map((p) => p.run()));
