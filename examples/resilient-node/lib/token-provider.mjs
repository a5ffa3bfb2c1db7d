// The API token: requested once, kept in memory, renewed before it expires.
//
// Guide, "Token Management": "Cache and reuse tokens. A token is valid for 10 days.
// Request a new one only when the current one is close to expiring or has been rejected
// with 401 Unauthorized." and "Check expiry proactively. Decode the JWT and read the exp
// claim ... or track the expiresIn value from the token response."
//
// Safe rotation: a new API user is created, its credentials placed in the secret store and
// the old user deactivated. When the token endpoint refuses our credentials, we read the
// secret store (OMNIUM_CLIENT_ID_FILE, OMNIUM_CLIENT_SECRET_FILE) once: new credentials
// there are used at once, without a restart; the same ones mean the refusal is real.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './backoff.mjs';
import { NetworkError, isTransientStatus, networkRetryPolicy, send } from './http.mjs';
import { log } from './log.mjs';

/** The token endpoint refused the credentials (wrong secret, user deactivated). */
export class TokenRejectedError extends Error {
  constructor(status) {
    super(`token endpoint answered ${status}`);
    this.name = 'TokenRejectedError';
    this.status = status;
  }
}

/** API calls are paused because the API user was rejected; see `reject()`. */
export class AuthPausedError extends Error {
  constructor() {
    super('API calls paused after the API user was rejected');
    this.name = 'AuthPausedError';
  }
}

/** Omnium's documented lifetime (omnium-api.md A2), used only if the answer names none. */
const DOCUMENTED_LIFETIME_S = 864_000;

/** The payload of a JWT, or null: only read, never verified (that is the server's job). */
function jwtClaims(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Lifetime in seconds from `expiresIn` and from the JWT's `exp`, whichever is shorter.
 * `exp - iat` is used rather than `exp - now` when possible, so a clock difference between
 * this machine and the API does not shift our renewal time.
 */
function lifetimeSeconds(token, expiresIn) {
  const claims = jwtClaims(token);
  const fromJwt = claims?.exp ? claims.exp - (claims.iat ?? Date.now() / 1000) : undefined;
  const known = [expiresIn, fromJwt].filter((s) => Number.isFinite(s) && s > 0);
  return known.length > 0 ? Math.min(...known) : DOCUMENTED_LIFETIME_S;
}

/**
 * JWT times are whole seconds: a token issued at 10.9 s carries iat 10, so with a 4 s
 * lifetime it expires at 14, only 3.1 s after we received it. Count one second less.
 */
export function usableSeconds(lifetime) {
  return Math.max(lifetime - 1, lifetime / 2);
}

/**
 * When to renew: at 80 % of the lifetime, or 60 s before expiry if that is earlier. The
 * 60 s rule only applies to tokens that live well beyond a minute: for a 20 s token
 * "60 s before expiry" would be before it was even issued.
 */
export function renewAfterSeconds(lifetime) {
  const at80 = lifetime * 0.8;
  const before60 = lifetime - 60;
  return before60 > lifetime / 2 ? Math.min(at80, before60) : at80;
}

/** Reads the answer: JSON with `returnAsJson=true`, else the raw JWT (both documented). */
export function parseTokenAnswer(text) {
  const body = text.trim();
  if (body.startsWith('{')) {
    const json = JSON.parse(body);
    return { value: json.accessToken, expiresIn: json.expiresIn };
  }
  return { value: body.startsWith('"') ? JSON.parse(body) : body, expiresIn: undefined };
}

/**
 * Break switch `credentials.test-not-in-production` only: a token cache shared by every
 * process started by the same parent, whatever environment it talks to. It stands for a
 * cache that is not keyed by environment and API URL, so a token issued by test is
 * presented to production. It lives outside the working directory, so that only this
 * check trips, and is removed when the process stops.
 */
function sharedCache(breaks) {
  if (!breaks.has('credentials.test-not-in-production')) return null;
  const path = join(tmpdir(), `golive-example-token-cache-${process.ppid}.json`);
  return {
    load() {
      try {
        const token = JSON.parse(readFileSync(path, 'utf8'));
        return Date.now() < token.expiresAt ? token : null;
      } catch {
        return null;
      }
    },
    save: (token) => writeFileSync(path, JSON.stringify(token), { mode: 0o600 }),
    remove: () => rmSync(path, { force: true }),
  };
}

/**
 * `renewalCache`: break switch `tenancy.token-per-tenant` only, another tenant's provider. Its
 * cache stands in for the one cache every tenant shares: a renewal after a 401 looks there for
 * the token "already replaced", and so takes that tenant's token.
 */
export function createTokenProvider(settings, { signal, renewalCache = null }) {
  const { apiUrl, breaks } = settings;
  let { clientId, clientSecret } = settings; // the current credentials: a rotation replaces them
  const network = networkRetryPolicy(settings);
  const shared = sharedCache(breaks);
  let current = shared?.load() ?? null; // { value, renewAt, expiresAt } (epoch ms), in memory
  let inflight = null; // the one token request under way, shared by every caller
  let pausedUntil = 0;

  // Guide: the secret goes to POST /api/token only. A form-encoded body keeps it out of
  // URLs, which end up in proxy and server access logs (checklist token.secret-in-body).
  function tokenRequest() {
    const credentials = new URLSearchParams({ clientId, clientSecret });
    if (breaks.has('token.secret-in-body')) {
      return { url: `${apiUrl}/api/token?returnAsJson=true&${credentials}`, init: { method: 'POST' } };
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials', clientId, clientSecret });
    return {
      url: `${apiUrl}/api/token?returnAsJson=true`,
      init: { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() },
    };
  }

  async function requestToken() {
    const { url, init } = tokenRequest();
    for (let attempt = 1; ; attempt += 1) {
      let failure;
      try {
        const answer = await send(url, { ...init, timeoutMs: network.timeoutMs, signal });
        if (answer.status === 200) return parseTokenAnswer(answer.text);
        if (!isTransientStatus(answer.status)) throw new TokenRejectedError(answer.status);
        failure = `token endpoint answered ${answer.status}`;
      } catch (error) {
        if (!(error instanceof NetworkError) || error.tls) throw error;
        failure = error.message;
      }
      if (attempt >= network.maxAttempts) throw new Error(`token request failed ${attempt} times: ${failure}`);
      log.warn(`token request failed (${failure}); retry ${attempt}`);
      await sleep(network.delayMs(attempt), signal);
    }
  }

  /** The credentials the secret store holds now, or null when there is none to read. */
  function storedCredentials() {
    const { clientIdFile, clientSecretFile } = settings;
    if (!clientIdFile || !clientSecretFile) return null;
    try {
      // Rewritten atomically on rotation (a new file renamed into place): never half a secret.
      return { clientId: readFileSync(clientIdFile, 'utf8').trim(), clientSecret: readFileSync(clientSecretFile, 'utf8').trim() };
    } catch (error) {
      log.warn(`credential files not readable (${error.code ?? error.message})`);
      return null;
    }
  }

  /** After the token endpoint refused our credentials: takes new ones from the secret store, if it holds any. */
  function takeRotatedCredentials() {
    const stored = storedCredentials();
    if (!stored) return false;
    if (breaks.has('rotation.survives-secret-rotation')) {
      // Break switch: only the secret is read again (the client id stays the one we started
      // with), and any secret other than the one we started with counts as new, so every
      // refusal tries again: a loop of refused token requests with the old API user.
      if (stored.clientSecret === settings.clientSecret) return false;
      clientSecret = stored.clientSecret;
      return true;
    }
    if (stored.clientId === clientId && stored.clientSecret === clientSecret) return false;
    ({ clientId, clientSecret } = stored);
    log.info('credentials refused, and the secret store holds new ones (the secret was rotated): using them');
    return true;
  }

  /** A token for the current credentials; when they are refused, once more with rotated ones. */
  async function requestTokenOrRotate() {
    const loop = breaks.has('rotation.survives-secret-rotation');
    for (let rotations = 0; ; rotations += 1) {
      try {
        return await requestToken();
      } catch (error) {
        if (!(error instanceof TokenRejectedError) || (rotations > 0 && !loop) || !takeRotatedCredentials()) throw error;
        if (loop) await sleep(200, signal); // break switch: try again in 200 ms
      }
    }
  }

  async function fetchAndRemember() {
    const issuedAt = Date.now();
    const { value, expiresIn } = await requestTokenOrRotate();
    const lifetime = usableSeconds(lifetimeSeconds(value, expiresIn));
    const renewAt = breaks.has('token.proactive-renewal') ? Infinity : issuedAt + renewAfterSeconds(lifetime) * 1000;
    current = { value, renewAt, expiresAt: issuedAt + lifetime * 1000 };
    log.info(`got a new API token, usable for ${Math.round(lifetime)} s`);
    if (breaks.has('token.not-logged')) log.info(`token: ${value}`);
    if (breaks.has('credentials.secret-not-in-source')) {
      writeFileSync(join(process.cwd(), '.token-cache.json'), JSON.stringify({ accessToken: value }));
    }
    shared?.save(current);
    return current;
  }

  /**
   * A new token. Concurrent callers share one request ("single flight"). With `rejected`
   * (the token that just got 401), a caller that arrives after someone else has already
   * replaced that token gets the replacement instead of a second request.
   */
  function renew(rejected) {
    const latest = renewalCache?.peek() ?? current;
    if (rejected && latest && latest.value !== rejected && !breaks.has('token.cached-and-reused')) {
      current = latest;
      return Promise.resolve(current);
    }
    inflight ??= fetchAndRemember().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  /** A token to use now: the cached one, or a new one when renewal is due. */
  async function get() {
    if (Date.now() < pausedUntil) throw new AuthPausedError();
    const perCall = breaks.has('token.cached-and-reused'); // break switch: no reuse at all
    if (!perCall && current && Date.now() < current.renewAt) return current.value;
    try {
      return (await (perCall ? fetchAndRemember() : renew())).value;
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        reject(`${error.status} from the token endpoint`);
        throw new AuthPausedError();
      }
      // Renewal failed on the network, but the old token is still valid: keep working.
      if (current && Date.now() < current.expiresAt && error instanceof Error && !signal.aborted) {
        log.warn(`token renewal failed (${error.message}); using the current token until it expires`);
        return current.value;
      }
      throw error;
    }
  }

  /**
   * The API user itself is rejected. Guide: "If the second attempt also returns 401, the
   * credentials themselves may be invalid — log the error and alert your team instead of
   * retrying in a loop." One error line, then no calls for the cool-down.
   */
  function reject(how) {
    const seconds = Math.round(settings.authCooldownMs / 1000);
    log.error(
      `API user rejected (${how}): check that the API user is active and its secret is current; ` +
        `pausing API calls for ${seconds} s`,
    );
    current = null;
    // Break switch: no cool-down, so every poll asks for a token again (the loop the guide warns of).
    if (!breaks.has('token.no-retry-loop')) pausedUntil = Date.now() + settings.authCooldownMs;
  }

  /** Called on shutdown: removes what the break switch above wrote. */
  function close() {
    shared?.remove();
  }

  return { get, renew, reject, close, peek: () => current };
}
