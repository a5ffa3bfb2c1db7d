// Calls to the Omnium API, with the guide's rules for each kind of failure:
//
//   401  "Request a new token and retry the original request once. If the second attempt
//         also returns 401 ... log the error and alert your team instead of retrying in a
//         loop."
//   403  "This is a configuration issue, not a runtime error — fix it by adjusting the API
//         user's roles, not by retrying."
//   429  "Back off and retry with exponential backoff and jitter."
//   network errors, 502/503/504: "Network errors and timeouts are retried with reasonable
//         limits" (Go-Live checklist).
//   400/404/422 (and 500): the answer to this very request; not retried, the caller decides.
//   RateLimit r=0 on any answer (the IETF draft's header, which Omnium does not document
//         sending): no call until its `t` seconds have passed, so the quota is back first.
//
// Every error is logged once, here, and then thrown with `logged: true`, so callers do
// not repeat it.

import { delayAfter429, parseRetryAfter, sleep } from './backoff.mjs';
import { NetworkError, isTransientStatus, networkRetryPolicy, send } from './http.mjs';
import { log } from './log.mjs';
import { TokenRejectedError } from './token-provider.mjs';

const MAX_429_ATTEMPTS = 6;
/** The request itself is wrong (400, 422) or names nothing (404): a retry gets the same answer. */
const CLIENT_ERRORS = new Set([400, 404, 422]);
/** The API's health route: only the transport.https-only break switch calls it. */
export const HEALTH_PATH = '/api/Health';

export class ApiError extends Error {
  constructor(message, { status, logged = false } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.logged = logged;
  }
}

function parseBody(text, crash) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    // Break switch errors.survives-malformed-responses: the parse error escapes, as from a bare
    // `await res.json()` with nothing around it, and ends the process.
    if (crash) setImmediate(() => {
      throw error;
    });
    return text;
  }
}

export function createApiClient(settings, tokens, { signal }) {
  const { apiUrl, breaks } = settings;
  const network = networkRetryPolicy(settings);
  const forbiddenUntil = new Map(); // route → epoch ms: routes paused after a 403
  let lastRefused = null; // break switch token.renew-once-on-401: the token last answered 401
  let quotaBackAt = 0; // epoch ms: an answer said RateLimit r=0, and its t ends then

  // Every URL is built on the HTTPS base URL we are given; the break switch builds the health
  // check's on http:// (same host and port), so it and its token travel in clear.
  const plainHealth = breaks.has('transport.https-only');

  // Guide: "Do not ... include them [tokens] in URLs": the token goes in the header only.
  function urlFor(path, token) {
    const base = plainHealth && path === HEALTH_PATH ? apiUrl.replace(/^https:/, 'http:') : apiUrl;
    const url = `${base}${path}`;
    if (!breaks.has('token.not-in-url')) return url;
    return `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
  }

  function attempt(method, path, body, token) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return send(urlFor(path, token), {
      method,
      headers,
      body: payload,
      timeoutMs: network.timeoutMs,
      signal,
      resendOnRedirect: breaks.has('token.not-sent-on-redirect'),
    });
  }

  async function on401(what, token, state) {
    if (breaks.has('token.renew-once-on-401')) {
      // Break switch: no renewal, the request is given up. The rule against loops stays:
      // a second 401 for the same token pauses the calls, as a 401 after renewal would.
      if (lastRefused === token) tokens.reject('401 again, token not renewed');
      else log.error(`401 Unauthorized on ${what}: giving up this request`);
      lastRefused = token;
      throw new ApiError(`${what}: 401`, { status: 401, logged: true });
    }
    const loop = breaks.has('token.no-retry-loop');
    if (state.renewed && !loop) {
      tokens.reject('401 after renewal');
      throw new ApiError(`${what}: 401 after renewal`, { status: 401, logged: true });
    }
    if (state.renewed) await sleep(200, signal); // break switch: renew and retry for ever
    state.renewed = true;
    log.warn(`401 Unauthorized on ${what}: renewing the token and retrying once`);
    try {
      await tokens.renew(token);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      if (loop) return; // break switch: try again in 200 ms
      tokens.reject('401 after renewal');
      throw new ApiError(`${what}: token renewal rejected`, { status: 401, logged: true });
    }
  }

  async function on403(what, route, count) {
    if (breaks.has('errors.no-retry-on-403') && count <= 3) {
      log.warn(`403 Forbidden on ${what}: retrying (${count})`);
      await sleep(100, signal);
      return;
    }
    const seconds = Math.round(settings.forbiddenCooldownMs / 1000);
    log.error(
      `403 Forbidden on ${what}: the API user lacks a role or store/market access; ` +
        `not retried (fix the API user's roles or scope); skipping ${route} for ${seconds} s`,
    );
    if (!breaks.has('errors.no-retry-on-403')) forbiddenUntil.set(route, Date.now() + settings.forbiddenCooldownMs);
    throw new ApiError(`${what}: 403`, { status: 403, logged: true });
  }

  async function on429(what, retryAfter, count) {
    if (count >= MAX_429_ATTEMPTS) {
      log.error(`429 Too Many Requests on ${what}: still throttled after ${count} attempts; giving up this request`);
      throw new ApiError(`${what}: 429`, { status: 429, logged: true });
    }
    const retryAfterMs = parseRetryAfter(retryAfter);
    const wait = breaks.has('errors.backoff-on-429')
      ? 100
      : delayAfter429(count, retryAfterMs, { jitter: !breaks.has('errors.jitter-on-429'), baseMs: settings.backoffBaseMs });
    const hint = retryAfterMs === null ? '' : ` (Retry-After: ${retryAfter})`;
    log.warn(`429 Too Many Requests on ${what}${hint}: retry ${count} in ${Math.round(wait)} ms`);
    await sleep(wait, signal);
  }

  async function onNetworkFailure(what, error, count) {
    if (error.tls) {
      // Retrying cannot fix an untrusted certificate, and the request never left: the
      // token and the data stay with us (checklist token.tls-verified).
      log.error(`${what}: ${error.message}`);
      throw new ApiError(`${what}: ${error.message}`, { logged: true });
    }
    if (count >= network.maxAttempts) {
      log.error(`${what} failed ${count} times (${error.message}); giving up this request`);
      throw new ApiError(`${what}: ${error.message}`, { logged: true });
    }
    const wait = network.delayMs(count);
    log.warn(`${what} failed (${error.message}): retry ${count} in ${Math.round(wait)} ms`);
    await sleep(wait, signal);
  }

  /**
   * When the quota is back, if a `RateLimit` header (draft-ietf-httpapi-ratelimit-headers:
   * `"default";r=0;t=30`) says none is left: now + t seconds; 0 otherwise. The break switch
   * errors.ratelimit-pause reads no header.
   */
  function quotaUsedUpUntil(header) {
    if (!header || breaks.has('errors.ratelimit-pause')) return 0;
    const remaining = /;\s*r=(\d+)/.exec(header);
    const reset = /;\s*t=(\d+)/.exec(header);
    if (!remaining || !reset || Number(remaining[1]) > 0) return 0;
    log.warn(`RateLimit: no quota left; no call for ${reset[1]} s`);
    return Date.now() + Number(reset[1]) * 1000;
  }

  /**
   * One API call, retried as the rules above allow. `route` names the endpoint without
   * ids (`GET /api/Orders/{id}`): after a 403 the whole route is paused, not just one URL.
   */
  async function request(method, path, { body, route = `${method} ${path}` } = {}) {
    const what = `${method} ${path}`;
    if (Date.now() < (forbiddenUntil.get(route) ?? 0)) {
      throw new ApiError(`${route} paused after a 403`, { status: 403, logged: true });
    }
    const state = { renewed: false, throttled: 0, failed: 0, forbidden: 0, refused: 0 };
    for (;;) {
      const pause = quotaBackAt - Date.now();
      if (pause > 0) await sleep(pause, signal);
      const token = await tokens.get();
      let answer;
      try {
        answer = await attempt(method, path, body, token);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        await onNetworkFailure(what, error, ++state.failed);
        continue;
      }
      const { status } = answer;
      quotaBackAt = Math.max(quotaBackAt, quotaUsedUpUntil(answer.headers.get('ratelimit')));
      if (status >= 200 && status < 300) return parseBody(answer.text, breaks.has('errors.survives-malformed-responses'));
      if (status === 401) await on401(what, token, state);
      else if (status === 403) await on403(what, route, ++state.forbidden);
      else if (status === 429) await on429(what, answer.headers.get('retry-after'), ++state.throttled);
      else if (isTransientStatus(status)) await onNetworkFailure(what, new NetworkError(`HTTP ${status}`), ++state.failed);
      else if (CLIENT_ERRORS.has(status) && breaks.has('errors.no-retry-on-4xx') && ++state.refused <= 3) {
        // Break switch: "maybe it was a glitch", retried at once. The same request gets the same answer.
        log.warn(`${status} on ${what}: retrying (${state.refused})`);
      } else throw new ApiError(`${what} answered ${status}: ${answer.text.slice(0, 200)}`, { status });
    }
  }

  return {
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    put: (path, body, options) => request('PUT', path, { ...options, body }),
  };
}
