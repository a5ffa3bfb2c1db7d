// One HTTP exchange with a time limit. The checklist (errors.network-retry-bounded) wants
// "a response that never comes" to be abandoned by the client: without a timeout a hung
// socket holds the request, and everything queued behind it, for ever.

import { backoffDelay } from './backoff.mjs';

/** A transport failure: no usable HTTP response (reset, refused, timeout, bad TLS). */
export class NetworkError extends Error {
  constructor(message, { tls = false, cause } = {}) {
    super(message, { cause });
    this.name = 'NetworkError';
    /** The server's certificate was not trusted: retrying cannot help. */
    this.tls = tls;
  }
}

// Node's codes for a certificate it refuses to trust (unknown CA, self-signed, expired,
// wrong host name). Such an error is a configuration problem, not a transient one.
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function describe(error, timeoutMs) {
  if (error?.name === 'TimeoutError') return { message: `no response within ${timeoutMs} ms`, tls: false };
  const cause = error?.cause;
  const code = cause?.code ?? error?.code;
  if (TLS_CODES.has(code)) return { message: `TLS certificate of the server not trusted (${code}); nothing was sent`, tls: true };
  const text = cause?.message ?? error?.message ?? 'network error';
  return { message: code && !text.includes(code) ? `${text} (${code})` : text, tls: false };
}

/** Redirects the break switch token.not-sent-on-redirect follows by hand. */
const MAX_HOPS = 5;

/**
 * Sends one request and reads the whole body as text, both under the same deadline.
 * `timeoutMs` of 0 means no deadline (used only by a break switch). `signal` aborts it
 * early (shutdown); that AbortError is passed through untouched. A redirect is an error:
 * the API has no reason to send us elsewhere (and our token must not follow it).
 * `resendOnRedirect` is the break switch token.not-sent-on-redirect only.
 */
export async function send(url, { method = 'GET', headers = {}, body, timeoutMs, signal, resendOnRedirect = false }) {
  const signals = [signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(Boolean);
  const combined = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  try {
    let response = await fetch(url, { method, headers, body, signal: combined, redirect: resendOnRedirect ? 'manual' : 'error' });
    // Break switch: follow by hand, sending every header again, Authorization included,
    // to whatever host the Location names. Never do this: fetch's own following drops it.
    for (let hop = 0; resendOnRedirect && hop < MAX_HOPS && response.status >= 300 && response.status < 400 && response.headers.has('location'); hop++) {
      await response.body?.cancel();
      url = new URL(response.headers.get('location'), url).href;
      response = await fetch(url, { method, headers, body, signal: combined, redirect: 'manual' });
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (signal?.aborted) throw error;
    const { message, tls } = describe(error, timeoutMs);
    throw new NetworkError(message, { tls, cause: error });
  }
}

/** 502, 503 and 504 come from gateways and overloaded servers: worth a retry. */
export function isTransientStatus(status) {
  return status === 502 || status === 503 || status === 504;
}

/**
 * How hard to try when the network fails: at most 5 attempts, each with a deadline,
 * with growing waits between them (checklist errors.network-retry-bounded: "retried,
 * with a limit").
 */
export function networkRetryPolicy(settings) {
  if (settings.breaks.has('errors.network-retry-bounded')) {
    // Break switch: no deadline, and retry for ever every 200 ms.
    return { maxAttempts: Infinity, timeoutMs: 0, delayMs: () => 200 };
  }
  if (settings.breaks.has('errors.backoff-in-outage')) {
    // Break switch: a bounded number of attempts, but at one fixed wait (the poll interval), so an
    // outage gets the same steady stream of calls from start to end: no backoff, no breaker.
    return { maxAttempts: 5, timeoutMs: settings.requestTimeoutMs, delayMs: () => settings.pollIntervalMs };
  }
  return { maxAttempts: 5, timeoutMs: settings.requestTimeoutMs, delayMs: (retry) => backoffDelay(retry, { baseMs: settings.backoffBaseMs }) };
}
