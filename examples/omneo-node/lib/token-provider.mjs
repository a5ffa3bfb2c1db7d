// The OAuth 2.0 access token of the machine user: requested once, kept in memory, renewed
// before it expires.
//
// Omneo (Laravel Passport): `POST /api/v3/auth/token` with a form body
// `grant_type=client_credentials&client_id=…&client_secret=…&scope=…`, answered
// `{ token_type: "Bearer", expires_in, access_token }`. The security guide: "Cache and reuse
// tokens ... Request a new one only when the current one is close to expiring or has been
// rejected with 401 Unauthorized", and "Check expiry proactively".
//
// Safe rotation: a new machine user is created, its credentials placed in the secret store and
// the old user disabled. When the token endpoint refuses our credentials, we read the secret
// store (OMNEO_CLIENT_ID_FILE, OMNEO_CLIENT_SECRET_FILE) once: new credentials there are used
// at once, without a restart; the same ones mean the refusal is real.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './backoff.mjs';
import { NetworkError, isTransientStatus, networkRetryPolicy, send } from './http.mjs';
import { log } from './log.mjs';

/** The token endpoint refused the request (wrong or disabled client, a scope it may not have). */
export class TokenRejectedError extends Error {
  constructor(status, reason) {
    super(`token endpoint answered ${status}${reason ? ` (${reason})` : ''}`);
    this.name = 'TokenRejectedError';
    this.status = status;
    this.reason = reason;
  }
}

/** API calls are paused because the machine user was rejected; see `reject()`. */
export class AuthPausedError extends Error {
  constructor() {
    super('API calls paused after the machine user was rejected');
    this.name = 'AuthPausedError';
  }
}

/** Passport's default access-token lifetime (a year), used only if the answer names none. */
const DEFAULT_LIFETIME_S = 365 * 86_400;

/** The payload of a JWT, or null: only read, never verified (that is the server's job). */
function jwtClaims(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Lifetime in seconds from `expires_in` and from the JWT's `exp`, whichever is shorter.
 * `exp - iat` is used rather than `exp - now` when possible, so a clock difference between
 * this machine and the API does not shift our renewal time.
 */
function lifetimeSeconds(token, expiresIn) {
  const claims = jwtClaims(token);
  const fromJwt = claims?.exp ? claims.exp - (claims.iat ?? Date.now() / 1000) : undefined;
  const known = [expiresIn, fromJwt].filter((s) => Number.isFinite(s) && s > 0);
  return known.length > 0 ? Math.min(...known) : DEFAULT_LIFETIME_S;
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

/** Passport's answer: `{ token_type, expires_in, access_token }`. */
export function parseTokenAnswer(text) {
  const json = JSON.parse(text);
  if (typeof json?.access_token !== 'string' || json.access_token === '') throw new Error('token endpoint answered 200 without an access_token');
  return { value: json.access_token, expiresIn: Number(json.expires_in) };
}

/** Passport's error code (`invalid_client`, `invalid_scope`…), safe to log; never the body itself. */
function oauthError(text) {
  try {
    const code = JSON.parse(text)?.error;
    return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
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
  const path = join(tmpdir(), `golive-omneo-example-token-cache-${process.ppid}.json`);
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
  const { apiUrl, breaks, scopes } = settings;
  let { clientId, clientSecret } = settings; // the current credentials: a rotation replaces them
  const network = networkRetryPolicy(settings);
  const shared = sharedCache(breaks);
  let current = shared?.load() ?? null; // { value, renewAt, expiresAt } (epoch ms), in memory
  let inflight = null; // the one token request under way, shared by every caller
  let pausedUntil = 0;

  // The secret goes in a form-encoded body, never in a URL: URLs end up in proxy and server
  // access logs (checklist token.secret-in-body). Only the scopes this sync uses are asked for.
  function tokenRequest() {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: scopes.join(' ') });
    const init = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: form.toString() };
    if (breaks.has('token.secret-in-body')) {
      // Break switch: the credentials in the query string too. (Passport reads them from the
      // body only, so a query-only request would be refused and stop everything else.)
      const query = new URLSearchParams({ client_id: clientId, client_secret: clientSecret });
      return { url: `${apiUrl}/api/v3/auth/token?${query}`, init };
    }
    return { url: `${apiUrl}/api/v3/auth/token`, init };
  }

  async function requestToken() {
    const { url, init } = tokenRequest();
    for (let attempt = 1; ; attempt += 1) {
      let failure;
      try {
        const answer = await send(url, { ...init, timeoutMs: network.timeoutMs, signal });
        if (answer.status === 200) return parseTokenAnswer(answer.text);
        if (!isTransientStatus(answer.status) && answer.status !== 429) throw new TokenRejectedError(answer.status, oauthError(answer.text));
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
      // refusal tries again: a loop of refused token requests with the old machine user.
      if (stored.clientSecret === settings.clientSecret) return false;
      clientSecret = stored.clientSecret;
      return true;
    }
    if (stored.clientId === clientId && stored.clientSecret === clientSecret) return false;
    ({ clientId, clientSecret } = stored);
    log.info('credentials refused, and the secret store holds new ones (the secret was rotated): using them');
    return true;
  }

  /** A token for the current credentials; when they are refused (401), once more with rotated ones. */
  async function requestTokenOrRotate() {
    const loop = breaks.has('rotation.survives-secret-rotation');
    for (let rotations = 0; ; rotations += 1) {
      try {
        return await requestToken();
      } catch (error) {
        // Only a 401 (invalid_client) says the credentials are wrong; a 400 (invalid_scope,
        // unsupported_grant_type) is our request's fault, and new credentials would not help.
        const refused = error instanceof TokenRejectedError && error.status === 401;
        if (!refused || (rotations > 0 && !loop) || !takeRotatedCredentials()) throw error;
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
    log.info(`got a new access token (scope: ${scopes.join(' ')}), usable for ${Math.round(lifetime)} s`);
    if (breaks.has('token.not-logged')) log.info(`token: ${value}`);
    if (breaks.has('credentials.secret-not-in-source')) {
      writeFileSync(join(process.cwd(), '.token-cache.json'), JSON.stringify({ access_token: value }));
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
        reject(`${error.status}${error.reason ? ` ${error.reason}` : ''} from the token endpoint`);
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
   * The machine user itself is rejected. "If the second attempt also returns 401, the
   * credentials themselves may be invalid: log the error and alert your team instead of
   * retrying in a loop." One error line, then no calls for the cool-down.
   */
  function reject(how) {
    const seconds = Math.round(settings.authCooldownMs / 1000);
    log.error(
      `machine user rejected (${how}): check that the Omneo machine user is active, its client secret is current ` +
        `and it holds the scopes ${scopes.join(' ')}; pausing API calls for ${seconds} s`,
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
