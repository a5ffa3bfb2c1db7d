// Calls to the Omneo API (/api/v3), with the security guide's rule for each kind of failure:
//
//   401  "Request a new token and retry the original request once. If the second attempt
//         also returns 401 ... log the error and alert your team instead of retrying in a
//         loop."
//   403  a missing scope: "a configuration issue, not a runtime error — fix it by adjusting
//         the API user's roles, not by retrying."
//   429  "Back off and retry with exponential backoff and jitter."
//   network errors, 502/503/504: "Network errors and timeouts are retried with reasonable
//         limits" (Go-Live checklist).
//
// Omneo runs on Laravel: its refusals are JSON `{"message": "..."}` (401 "Unauthenticated.",
// 403 "Invalid scope(s) provided.", 404 "Not Found", 422 with `errors`), and it answers JSON
// only when asked for it, so every call sends `Accept: application/json`.
//
// Every error is logged once, here, and then thrown with `logged: true`, so callers do
// not repeat it.

import { delayAfter429, parseRetryAfter, sleep } from './backoff.mjs';
import { NetworkError, isTransientStatus, networkRetryPolicy, send } from './http.mjs';
import { log } from './log.mjs';
import { TokenRejectedError } from './token-provider.mjs';

const MAX_429_ATTEMPTS = 6;
/** The API's health route: only the transport.https-only break switch calls it. */
export const HEALTH_PATH = '/api/health';

export class ApiError extends Error {
  constructor(message, { status, logged = false, paused = false } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.logged = logged;
    /** Not sent: the route is left alone after a 403. */
    this.paused = paused;
  }
}

function parseBody(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Laravel's `message`, fit for a log line (printable, bounded); '' when there is none. */
export function laravelMessage(text) {
  const message = parseBody(text)?.message;
  return typeof message === 'string' ? message.replace(/[^\x20-\x7e]/g, '?').slice(0, 120) : '';
}

export function createApiClient(settings, tokens, { signal }) {
  const { apiUrl, breaks } = settings;
  const network = networkRetryPolicy(settings);
  const forbiddenUntil = new Map(); // route → epoch ms: routes paused after a 403
  let lastRefused = null; // break switch token.renew-once-on-401: the token last answered 401

  // Every URL is built on the HTTPS base URL we are given; the break switch builds the health
  // check's on http:// (same host and port), so it and its token travel in clear.
  const plainHealth = breaks.has('transport.https-only');

  // "Do not ... include them [tokens] in URLs": the token goes in the header only.
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
    return send(urlFor(path, token), { method, headers, body: payload, timeoutMs: network.timeoutMs, signal });
  }

  async function on401(what, token, state) {
    if (breaks.has('token.renew-once-on-401')) {
      // Break switch: no renewal, the request is given up. The rule against loops stays:
      // a second 401 for the same token pauses the calls, as a 401 after renewal would.
      if (lastRefused === token) tokens.reject('401 again, token not renewed');
      else log.error(`401 Unauthenticated on ${what}: giving up this request`);
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
    log.warn(`401 Unauthenticated on ${what}: renewing the token and retrying once`);
    try {
      await tokens.renew(token);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      if (loop) return; // break switch: try again in 200 ms
      tokens.reject(`${error.status}${error.reason ? ` ${error.reason}` : ''} from the token endpoint, after a 401`);
      throw new ApiError(`${what}: token renewal rejected`, { status: 401, logged: true });
    }
  }

  async function on403(what, route, count, message) {
    if (breaks.has('errors.no-retry-on-403') && count <= 3) {
      log.warn(`403 Forbidden on ${what}: retrying (${count})`);
      await sleep(100, signal);
      return;
    }
    const seconds = Math.round(settings.forbiddenCooldownMs / 1000);
    log.error(
      `403 Forbidden on ${what}${message ? ` ("${message}")` : ''}: the machine user lacks a scope this call needs; ` +
        `not retried (give it the scope, or ask the token for it); skipping ${route} for ${seconds} s`,
    );
    if (!breaks.has('errors.no-retry-on-403')) forbiddenUntil.set(route, Date.now() + settings.forbiddenCooldownMs);
    throw new ApiError(`${what}: 403`, { status: 403, logged: true });
  }

  async function on429(what, retryAfter, count) {
    if (count >= MAX_429_ATTEMPTS) {
      log.error(`429 Too Many Attempts on ${what}: still throttled after ${count} attempts; giving up this request`);
      throw new ApiError(`${what}: 429`, { status: 429, logged: true });
    }
    const retryAfterMs = parseRetryAfter(retryAfter);
    const wait = breaks.has('errors.backoff-on-429')
      ? 100
      : delayAfter429(count, retryAfterMs, { jitter: !breaks.has('errors.jitter-on-429'), baseMs: settings.backoffBaseMs });
    const hint = retryAfterMs === null ? '' : ` (Retry-After: ${retryAfter})`;
    log.warn(`429 Too Many Attempts on ${what}${hint}: retry ${count} in ${Math.round(wait)} ms`);
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
   * One API call, retried as the rules above allow. `route` names the endpoint without
   * ids (`GET /api/v3/profiles/{id}`): after a 403 the whole route is paused, not just one URL.
   */
  async function request(method, path, { body, route = `${method} ${path}` } = {}) {
    const what = `${method} ${path}`;
    const state = { renewed: false, throttled: 0, failed: 0, forbidden: 0 };
    for (;;) {
      const token = await tokens.get();
      // Looked at after the token too: another call of the route may have met a 403 meanwhile.
      if (Date.now() < (forbiddenUntil.get(route) ?? 0)) {
        throw new ApiError(`${route} paused after a 403`, { status: 403, logged: true, paused: true });
      }
      let answer;
      try {
        answer = await attempt(method, path, body, token);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        await onNetworkFailure(what, error, ++state.failed);
        continue;
      }
      const { status } = answer;
      if (status >= 200 && status < 300) return parseBody(answer.text);
      if (status === 401) await on401(what, token, state);
      else if (status === 403) await on403(what, route, ++state.forbidden, laravelMessage(answer.text));
      else if (status === 429) await on429(what, answer.headers.get('retry-after'), ++state.throttled);
      else if (isTransientStatus(status)) await onNetworkFailure(what, new NetworkError(`HTTP ${status}`), ++state.failed);
      else {
        // 404, 422…: the request itself is wrong; repeating it would not help.
        const message = laravelMessage(answer.text);
        throw new ApiError(`${what} answered ${status}${message ? `: ${message}` : ''}`, { status });
      }
    }
  }

  // Two callers reading the same resource at once (the poller and a webhook's work, both about
  // the profile just changed) share one request: the API sees one read, not a read and a copy
  // of it that looks like a retry.
  const reading = new Map(); // path → the GET of it under way

  function get(path, options) {
    let pending = reading.get(path);
    if (!pending) {
      pending = request('GET', path, options).finally(() => reading.delete(path));
      reading.set(path, pending);
    }
    return pending;
  }

  return {
    get,
    put: (path, body, options) => request('PUT', path, { ...options, body }),
  };
}
