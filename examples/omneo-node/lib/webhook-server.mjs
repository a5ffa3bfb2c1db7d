// The endpoint Omneo's webhooks POST to. Each delivery is the event's context as JSON (for a
// profile event: the profile, plus `flattened_tags` and `flattened_statuses`), with
// `X-Omneo-Event: <trigger>` and `X-Omneo-Hmac-SHA256: <hex HMAC-SHA256 of the raw body, keyed
// with the tenant's shared webhook secret>` (what PHP's `hash_hmac('sha256', $body, $secret)`
// gives, and Omneo's starter app checks).
//
// The security guide, "Securing Your Webhook Endpoints": validate every delivery first,
// "Design for Idempotency" and "Respond Quickly" ("accept the request immediately ... and
// process it asynchronously"). The Go-Live checklist adds: "Endpoint uses HTTPS".

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { sleep } from './backoff.mjs';
import { log } from './log.mjs';

const MAX_BODY_BYTES = 1_000_000;
const REMEMBERED_DELIVERIES = 10_000;
const SIGNATURE_HEADER = 'x-omneo-hmac-sha256';
const EVENT_HEADER = 'x-omneo-event';

/**
 * Whether `header` is the hex HMAC-SHA256 of the raw body bytes keyed with `secret`. The
 * HMAC is computed over the bytes as they arrived, never over re-serialised JSON (a parser
 * may reorder or re-escape), and compared in constant time once the lengths are known to be
 * equal (`timingSafeEqual` throws on unequal lengths; a 32-byte HMAC reveals nothing by its length).
 */
export function signatureMatches(rawBody, header, secret) {
  if (!secret || typeof header !== 'string') return false;
  const given = header.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(given, 'hex');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** The mistake GOLIVE_EXAMPLE_HMAC_OVER=parsed makes: the body as JSON.stringify writes it again (or as received, when it is no JSON). */
function reserialised(raw) {
  try {
    return Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))), 'utf8');
  } catch {
    return raw;
  }
}

/**
 * The deliveries seen lately, by the SHA-256 of their body. Omneo's deliveries carry no event
 * id: a delivery sent again is the same body (and so the same signature), byte for byte. A
 * bounded memory with a time to live: it covers the platform's retries and cannot grow without end.
 */
export function createRecentDeliveries({ limit = REMEMBERED_DELIVERIES, ttlMs, now = Date.now } = {}) {
  const seen = new Map(); // digest → expiry (epoch ms), oldest first
  return {
    /** True the first time a body is seen (within the TTL), false for a repeat. */
    add(digest) {
      const at = now();
      for (const [key, expiry] of seen) {
        if (expiry > at && seen.size < limit) break;
        seen.delete(key);
      }
      if ((seen.get(digest) ?? 0) > at) return false;
      seen.delete(digest); // re-inserted at the end, with a new expiry
      seen.set(digest, at + ttlMs);
      return true;
    },
  };
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
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function answer(response, status, headers = {}) {
  response.writeHead(status, headers).end();
}

/**
 * `onEvent(event, { trigger, label })` runs after the answer has been sent, once per distinct
 * delivery. `pages(request, response)`, when given, may answer other paths first (the storefront)
 * and returns whether it did. Returns `{ start, close }`; `start()` resolves with the URL once it listens.
 */
export function createWebhookServer(settings, { onEvent, signal, pages }) {
  const { port, path, secret, tlsCert, tlsKey, dedupTtlMs, hmacOver } = settings.webhook;
  const { breaks } = settings;
  const recent = createRecentDeliveries({ ttlMs: dedupTtlMs });
  const useTls = Boolean(tlsCert && tlsKey) && !breaks.has('webhooks.https');

  async function handle(request, response) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== path && pages && (await pages(request, response))) return;
    if (pathname !== path) return answer(response, 404);
    if (request.method !== 'POST') return answer(response, 405, { Allow: 'POST' });
    const raw = await readBody(request);
    // The signature first: nothing of an unsigned or wrongly signed delivery is parsed,
    // remembered or acted on. Nothing from it is logged either.
    const signed = hmacOver === 'parsed' ? reserialised(raw) : raw;
    if (!breaks.has('webhooks.validates-auth') && !signatureMatches(signed, request.headers[SIGNATURE_HEADER], secret)) {
      log.warn('webhook: delivery refused (missing or wrong X-Omneo-Hmac-SHA256 signature)');
      return answer(response, 401);
    }
    let event;
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(response, 400);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return answer(response, 400);
    const trigger = printable(request.headers[EVENT_HEADER]);
    const label = `${trigger || 'event'} about ${printable(event.id)}`;
    if (breaks.has('webhooks.responds-in-time')) {
      // Break switch: the work is done before the answer, and it is slow (a CRM that takes its time).
      await sleep(12_000, signal);
      if (recent.add(createHash('sha256').update(raw).digest('hex'))) await onEvent(event, { trigger, label });
      return answer(response, 202);
    }
    const first = breaks.has('webhooks.idempotent') || recent.add(createHash('sha256').update(raw).digest('hex'));
    answer(response, 202);
    if (!first) return log.info(`webhook: ${label} is a repeat of a delivery already accepted; ignored`);
    log.info(`webhook: ${label} accepted`);
    // The work runs after the answer; its failure (an API call that failed, an answer it could
    // not read) is logged, never left to end the process as an unhandled rejection.
    setImmediate(() => Promise.resolve(onEvent(event, { trigger, label })).catch((error) => log.error(`webhook: ${label} failed: ${error.message}`)));
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
      if (!secret && !breaks.has('webhooks.validates-auth')) log.warn('webhook: WEBHOOK_SECRET is not set; every delivery will be refused');
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
