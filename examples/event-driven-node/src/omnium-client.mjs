// Calls to the Omnium API, and what each kind of failure means:
//
//   401        the token was refused: one new token, the call once more. A second 401 means
//              the API user itself is rejected: calls pause for AUTH_COOLDOWN_MS.
//   403        a role or a store/market scope is missing: a configuration problem. Logged,
//              never retried (a later poll is a new request, with a new window).
//   429        Retry-After honoured (seconds or HTTP date); without it exponential backoff
//              with equal jitter. At most 5 retries.
//   network    resets, refusals, timeouts, 502/503/504: exponential backoff with jitter, at
//              most NETWORK_ATTEMPTS attempts in all, then the request is given up.
//   tls        an untrusted certificate: not retried (nothing was sent).
//
// Events (the app turns them into log lines; none of them carries a token):
//   'retrying'   { request, why, waitMs, attempt }
//   'forbidden'  { request }
//   'gave-up'    { request, why }
//   'dropped'    { request }          (break switch token.renew-once-on-401 only)

import { EventEmitter } from 'node:events';
import { AuthPaused } from './token-store.mjs';
import { equalJitter, retryAfterMs, sleep } from './timing.mjs';
import { exchange, TransportError } from './transport.mjs';

const MAX_THROTTLED_RETRIES = 5;
const THROTTLE_BASE_MS = 1000;
const THROTTLE_CAP_MS = 30_000;
const LONGEST_RETRY_AFTER_MS = 5 * 60_000; // a longer Retry-After: give the request up instead
const NETWORK_BASE_MS = 500;
const NETWORK_CAP_MS = 8000;

/** A request that ended without a usable answer. `reported`: an event already said why. */
export class RequestFailed extends Error {
  constructor(request, why, { status, reported = true, paused = false } = {}) {
    super(`${request}: ${why}`);
    this.request = request;
    this.status = status;
    this.reported = reported;
    this.paused = paused;
  }
}

export class OmniumClient extends EventEmitter {
  #settings;
  #tokens;
  #signal;

  constructor(settings, tokens, signal) {
    super();
    this.#settings = settings;
    this.#tokens = tokens;
    this.#signal = signal;
  }

  get(path) {
    return this.call('GET', path);
  }
  post(path, body) {
    return this.call('POST', path, body);
  }
  put(path, body) {
    return this.call('PUT', path, body);
  }

  /** One API call, retried as the header comment says. Resolves the parsed body (or null). */
  async call(method, path, body) {
    const request = `${method} ${path.split('?')[0]}`;
    const { apiUrl, requestTimeoutMs, networkAttempts, broken } = this.#settings;
    let renewed = false;
    let networkFailures = 0;
    let throttled = 0;
    let forbidden = 0;

    const retryAfter = async (why, waitMs, attempt) => {
      this.emit('retrying', { request, why, waitMs, attempt });
      await sleep(waitMs, this.#signal);
    };

    for (;;) {
      let token;
      try {
        token = await this.#tokens.bearer();
      } catch (error) {
        if (error instanceof AuthPaused) throw new RequestFailed(request, 'not sent: API calls are paused (API user rejected)', { paused: true });
        throw error;
      }
      let answer;
      try {
        answer = await exchange(
          apiUrl + path,
          {
            method,
            // The token only ever travels in this header.
            headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          },
          { timeoutMs: requestTimeoutMs, signal: this.#signal },
        );
      } catch (error) {
        if (!(error instanceof TransportError)) throw error; // shutdown
        if (error.kind === 'tls') {
          this.emit('gave-up', { request, why: `the API's TLS certificate is not trusted (${error.detail}); not retried` });
          throw new RequestFailed(request, error.message);
        }
        if (++networkFailures >= networkAttempts) {
          this.emit('gave-up', { request, why: `${error.detail} (${networkFailures} attempt(s))` });
          throw new RequestFailed(request, error.message);
        }
        await retryAfter(error.kind === 'timeout' ? 'timeout' : error.detail, equalJitter(networkFailures, NETWORK_BASE_MS, NETWORK_CAP_MS), networkFailures);
        continue;
      }

      const { status } = answer;
      if (status >= 200 && status < 300) return parse(answer);

      if (status === 401) {
        if (broken('token.renew-once-on-401')) {
          // BREAK: token.renew-once-on-401 -- no renewal and no retry: the request is
          // dropped and the cached token cleared; the next scheduled poll gets a new token.
          this.#tokens.forget(token);
          this.emit('dropped', { request });
          throw new RequestFailed(request, '401');
        }
        if (renewed) {
          this.#tokens.refuse(`401 again after a new token, on ${request}`);
          throw new RequestFailed(request, '401 after renewal');
        }
        renewed = true;
        await this.#tokens.renewAfter401(token).catch((error) => {
          if (error instanceof AuthPaused) throw new RequestFailed(request, 'API user rejected by the token endpoint');
          throw error;
        });
        continue;
      }

      if (status === 403) {
        if (broken('errors.no-retry-on-403') && forbidden < 5) {
          // BREAK: errors.no-retry-on-403 -- a 403 is retried five times, 300 ms apart, as
          // if it were a passing glitch.
          forbidden++;
          await retryAfter('403', 300, forbidden);
          continue;
        }
        this.emit('forbidden', { request });
        throw new RequestFailed(request, '403', { status });
      }

      if (status === 429) {
        if (++throttled > MAX_THROTTLED_RETRIES) {
          this.emit('gave-up', { request, why: `still 429 after ${MAX_THROTTLED_RETRIES} retries` });
          throw new RequestFailed(request, '429', { status });
        }
        const told = retryAfterMs(answer.headers.get('retry-after'));
        if (told !== undefined && told > LONGEST_RETRY_AFTER_MS) {
          this.emit('gave-up', { request, why: `429 with Retry-After ${Math.round(told / 1000)} s` });
          throw new RequestFailed(request, '429', { status });
        }
        // Retry-After is the earliest moment allowed; a little random time on top keeps
        // clients that were throttled together from coming back together.
        const waitMs = told !== undefined ? told + Math.random() * Math.max(250, told * 0.2) : equalJitter(throttled, THROTTLE_BASE_MS, THROTTLE_CAP_MS);
        await retryAfter(told !== undefined ? '429 (Retry-After)' : '429', waitMs, throttled);
        continue;
      }

      if (status === 502 || status === 503 || status === 504) {
        if (++networkFailures >= networkAttempts) {
          this.emit('gave-up', { request, why: `${status} (${networkFailures} attempt(s))` });
          throw new RequestFailed(request, String(status), { status });
        }
        await retryAfter(String(status), equalJitter(networkFailures, NETWORK_BASE_MS, NETWORK_CAP_MS), networkFailures);
        continue;
      }

      // 400, 404, 500...: the caller decides what it means.
      throw new RequestFailed(request, `answered ${status}${answer.text ? `: ${answer.text.slice(0, 120).replace(/\s+/g, ' ')}` : ''}`, { status, reported: false });
    }
  }
}

function parse({ headers, text }) {
  if (!text) return null;
  return /json/i.test(headers.get('content-type') ?? '') ? JSON.parse(text) : text;
}
