// The endpoint Omnium's event subscriptions POST to. The guide, "Securing Your Webhook
// Endpoints": validate the authentication, "Design for Idempotency" ("Track processed
// event IDs and skip duplicates") and "Respond Quickly" ("accept the request immediately
// ... and process it asynchronously"). The Go-Live checklist adds: "Endpoint uses HTTPS".

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { sleep } from './backoff.mjs';
import { log } from './log.mjs';

const MAX_BODY_BYTES = 1_000_000;
const REMEMBERED_EVENTS = 10_000;

/**
 * The ids of the last `limit` events. Omnium redelivers within seconds (after 1, 5 and
 * 15 s), so a bounded memory is enough, and it cannot grow without end.
 */
export function createRecentIds(limit = REMEMBERED_EVENTS) {
  const ids = new Set();
  return {
    /** True the first time an id is seen, false for a duplicate. */
    add(id) {
      if (ids.has(id)) return false;
      ids.add(id);
      if (ids.size > limit) ids.delete(ids.values().next().value);
      return true;
    },
  };
}

/**
 * Does the Authorization header carry the expected Bearer token? Both sides are hashed
 * first: `timingSafeEqual` needs equal lengths, and comparing digests in constant time
 * reveals neither the token's content nor its length to someone timing our answers.
 */
export function bearerMatches(header, expected) {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!expected || !match) return false;
  const given = createHash('sha256').update(match[1]).digest();
  const wanted = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, wanted);
}

/** Text from a delivery, safe to put in a log line (no line breaks, bounded length). */
function printable(value) {
  return String(value ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response, status, headers = {}) {
  response.writeHead(status, headers).end();
}

/**
 * `onEvent(event)` runs after the answer has been sent, once per event id. `pages(request,
 * response)`, when given, may answer other paths first (the storefront) and returns whether it did.
 * Returns `{ start, close }`; `start()` resolves with the URL once it listens.
 */
export function createWebhookServer(settings, { onEvent, signal, pages }) {
  const { port, path, token, tlsCert, tlsKey } = settings.webhook;
  const { breaks } = settings;
  const seen = createRecentIds();
  const useTls = Boolean(tlsCert && tlsKey) && !breaks.has('webhooks.https');

  async function handle(request, response) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== path && pages && (await pages(request, response))) return;
    if (pathname !== path) return answer(response, 404);
    if (request.method !== 'POST') return answer(response, 405, { Allow: 'POST' });
    if (!breaks.has('webhooks.validates-auth') && !bearerMatches(request.headers.authorization, token)) {
      // Nothing from the request is logged: its headers may hold someone's secret.
      log.warn('webhook: delivery refused (missing or wrong Authorization)');
      return answer(response, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    let event;
    try {
      event = JSON.parse(await readBody(request));
    } catch {
      return answer(response, 400);
    }
    const id = event?.id;
    if (id === undefined || id === null || id === '') return answer(response, 400);
    if (breaks.has('webhooks.ignores-unknown-events') && event.className !== 'Order') {
      // Break switch: an event of a class it has no work for is refused, so the platform sends it again.
      log.warn(`webhook: event ${printable(id)} refused: unknown class ${printable(event.className)}`);
      return answer(response, 400);
    }
    if (breaks.has('webhooks.responds-in-time')) await sleep(12_000, signal); // break: "slow" work first
    const first = breaks.has('webhooks.idempotent') || seen.add(String(id));
    answer(response, 202);
    const label = `event ${printable(id)} (${printable(event.className)})`;
    if (!first) return log.info(`webhook: ${label} is a duplicate; ignored`);
    log.info(`webhook: ${label} accepted`);
    setImmediate(() => onEvent(event, label));
  }

  const listener = (request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) answer(response, 500);
      if (!signal.aborted) log.error(`webhook: ${error.message}`);
    });
  };
  const server = useTls
    ? createHttpsServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }, listener)
    : createHttpServer(listener);

  return {
    start() {
      if (!useTls && !breaks.has('webhooks.https')) log.warn('webhook: serving plain HTTP (no WEBHOOK_TLS_CERT/WEBHOOK_TLS_KEY given)');
      if (!token && !breaks.has('webhooks.validates-auth')) log.warn('webhook: WEBHOOK_TOKEN is not set; every delivery will be refused');
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(`${useTls ? 'https' : 'http'}://127.0.0.1:${server.address().port}${path}`));
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
