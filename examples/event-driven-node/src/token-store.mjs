// The API user's bearer token: requested with POST /api/token (form body), kept in memory
// only, renewed before it expires, and renewed by one request however many callers need it.
//
// Events (the app turns them into log lines):
//   'issued'    { reason, lifetimeMs, renewInMs }      a new token arrived
//   'refused'   { reason, cooldownMs }                 the API user was rejected; calls paused
//   'resumed'   {}                                     the pause is over; next call tries again
//   'reloaded'  {}                                     credentials re-read after a refusal changed
//   'retrying'  { why, waitMs, attempt }               the token endpoint could not be reached
//   'renewal-failed' { why }                           a timed renewal failed; the old token is kept

import { EventEmitter } from 'node:events';
import { sleep, equalJitter, retryAfterMs } from './timing.mjs';
import { exchange, TransportError } from './transport.mjs';

/** Thrown instead of calling the API while the API user is known to be rejected. */
export class AuthPaused extends Error {
  constructor(until) {
    super(`API calls paused until ${new Date(until).toISOString()} (API user rejected)`);
    this.until = until;
  }
}

/** The token endpoint answered with something other than a token or a refusal. */
export class TokenUnavailable extends Error {}

const RENEW_AT_SHARE = 0.8; // renew when 80 % of the lifetime has passed...
const RENEW_MARGIN_MS = 60_000; // ...or a minute before expiry if that is earlier (long-lived tokens)
const MAX_THROTTLED = 5;

/** The claims of a JWT, or {} when it is not one. Nothing is verified: it is our own token. */
function claimsOf(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) ?? {};
  } catch {
    return {};
  }
}

export class TokenStore extends EventEmitter {
  #settings;
  #signal;
  #held = null; // { value, expiresAt, renewAt }
  #pending = null; // the one token request in flight, shared by every caller
  #pausedUntil = 0;
  #timer = null; // fires when renewal is due, so renewal happens even between calls

  constructor(settings, signal) {
    super();
    this.#settings = settings;
    this.#signal = signal;
  }

  /** A token to send now: the cached one, or a new one when renewal is due. */
  async bearer() {
    const now = Date.now();
    if (this.#pausedUntil) {
      if (now < this.#pausedUntil) throw new AuthPaused(this.#pausedUntil);
      this.#pausedUntil = 0;
      this.emit('resumed', {});
    }
    const held = this.#held;
    if (held && now < held.renewAt) return held.value;
    if (held && now < held.expiresAt) {
      // Renewal is due but the old token still works: if the token endpoint cannot be
      // reached right now, keep using the old one and try again on the next call.
      try {
        return await this.#renew('renewal due before expiry');
      } catch (error) {
        if ((error instanceof TransportError || error instanceof TokenUnavailable) && Date.now() < held.expiresAt) return held.value;
        throw error;
      }
    }
    return this.#renew(held ? 'token expired' : 'first token');
  }

  /**
   * After a 401 to a request sent with `used`. If another caller has already replaced that
   * token, its replacement is used; otherwise one new token is requested.
   */
  async renewAfter401(used) {
    if (this.#held && this.#held.value !== used) return this.bearer();
    this.#held = null;
    return this.#renew('401 from the API');
  }

  /** Drops `used` from the cache (if it is still the cached one). */
  forget(used) {
    if (this.#held?.value === used) this.#held = null;
  }

  /** The API user is rejected: no token, no calls for AUTH_COOLDOWN_MS. */
  refuse(reason) {
    this.#held = null;
    clearTimeout(this.#timer);
    this.#pausedUntil = Date.now() + this.#settings.authCooldownMs;
    this.emit('refused', { reason, cooldownMs: this.#settings.authCooldownMs });
    return new AuthPaused(this.#pausedUntil);
  }

  /** Stops the renewal timer (shutdown). */
  close() {
    clearTimeout(this.#timer);
  }

  /** The renewal timer fired: renew now, in the background. */
  #renewalDue() {
    if (!this.#held || this.#signal.aborted || Date.now() < this.#pausedUntil) return;
    // A failure is not fatal: the held token stays usable until it expires, and the next
    // call tries again (bearer()).
    this.#renew('renewal due before expiry').catch((error) => this.emit('renewal-failed', { why: error.message }));
  }

  #renew(reason) {
    this.#pending ??= this.#request(reason).finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #request(reason) {
    const { apiUrl, requestTimeoutMs, networkAttempts } = this.#settings;
    let credentials = this.#settings.credentials();
    let reread = false;
    let failures = 0;
    let throttled = 0;
    for (;;) {
      const sentAt = Date.now();
      // The secret goes in a form-encoded body, never in the URL.
      const body = new URLSearchParams({ clientId: credentials.clientId, clientSecret: credentials.clientSecret, returnAsJson: 'true' });
      let answer;
      try {
        answer = await exchange(
          `${apiUrl}/api/token`,
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() },
          { timeoutMs: requestTimeoutMs, signal: this.#signal },
        );
      } catch (error) {
        if (!(error instanceof TransportError) || error.kind === 'tls') throw error;
        if (++failures >= networkAttempts) throw error;
        await this.#wait(equalJitter(failures, 500, 8000), error.detail, failures);
        continue;
      }
      const { status } = answer;
      if (status === 200) return this.#keep(answer.text, sentAt, reason);
      if (status === 400 || status === 401 || status === 403) {
        // Refused. The secret may have been rotated under us: re-read it once.
        if (!reread) {
          reread = true;
          const fresh = this.#tryReadCredentials();
          if (fresh && (fresh.clientId !== credentials.clientId || fresh.clientSecret !== credentials.clientSecret)) {
            credentials = fresh;
            this.emit('reloaded', {});
            continue;
          }
        }
        throw this.refuse(`${status} from the token endpoint`);
      }
      if (status === 429 && ++throttled <= MAX_THROTTLED) {
        await this.#wait(retryAfterMs(answer.headers.get('retry-after')) ?? equalJitter(throttled, 1000, 30_000), '429', throttled);
        continue;
      }
      if ((status === 502 || status === 503 || status === 504) && ++failures < networkAttempts) {
        await this.#wait(equalJitter(failures, 500, 8000), String(status), failures);
        continue;
      }
      throw new TokenUnavailable(`token endpoint answered ${status}`);
    }
  }

  #tryReadCredentials() {
    try {
      return this.#settings.credentials();
    } catch {
      return null;
    }
  }

  async #wait(waitMs, why, attempt) {
    this.emit('retrying', { why, waitMs, attempt });
    await sleep(waitMs, this.#signal);
  }

  /** Remembers a token from the answer; lifetime from expiresIn and the JWT, the shorter. */
  #keep(text, sentAt, reason) {
    let value = text.trim();
    let expiresIn;
    if (value.startsWith('{')) {
      const json = JSON.parse(value);
      value = json.accessToken;
      expiresIn = json.expiresIn;
    }
    if (typeof value !== 'string' || !/^[\w.~+/=-]+$/.test(value)) throw new TokenUnavailable('token endpoint answered 200 without a usable token');
    const { exp, iat } = claimsOf(value);
    const lifetimes = [];
    if (Number.isFinite(expiresIn)) lifetimes.push(expiresIn * 1000);
    // exp - iat rather than exp - now: the lifetime does not depend on our clock agreeing
    // with the server's.
    if (Number.isFinite(exp) && Number.isFinite(iat)) lifetimes.push((exp - iat) * 1000);
    else if (Number.isFinite(exp)) lifetimes.push(exp * 1000 - Date.now());
    // JWT times are whole seconds: a second off so we never overshoot. No lifetime at all:
    // assume a short one rather than "for ever".
    const lifetimeMs = Math.max(1000, (lifetimes.length ? Math.min(...lifetimes) : 5 * 60_000) - 1000);
    const renewInMs = lifetimeMs > 5 * RENEW_MARGIN_MS ? Math.min(lifetimeMs * RENEW_AT_SHARE, lifetimeMs - RENEW_MARGIN_MS) : lifetimeMs * RENEW_AT_SHARE;
    this.#held = { value, expiresAt: sentAt + lifetimeMs, renewAt: sentAt + renewInMs };
    clearTimeout(this.#timer);
    // setTimeout holds at most 2^31-1 ms (24.8 days); a longer wait is cut short, harmlessly.
    this.#timer = setTimeout(() => this.#renewalDue(), Math.min(renewInMs - (Date.now() - sentAt), 2 ** 31 - 1));
    this.#timer.unref();
    this.emit('issued', { reason, lifetimeMs, renewInMs });
    return value;
  }
}
