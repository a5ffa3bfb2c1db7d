"""On-demand backups through an API token that mints access tokens, in Python with requests.

A teaching example for golive (seed 004). The backup platform gives an integration a
long-lived API token, which is in fact a refresh token: `POST /auth/token` with it in
`Authorization: Bearer` answers a short-lived access token (`expires_in`, 15 minutes by
default), and every other call takes that access token.

Every POLL_INTERVAL_MS (default 2000) it looks at one of the account's services, in turn:
  GET  /api/v1/services/{id}/backups?status=queued
and when none of its backups is waiting and the last one it asked for is older than
BACKUP_INTERVAL_MS (default an hour), it asks for one, with no body (nothing to send):
  POST /api/v1/services/{id}/backups
The list of services (GET /api/v1/services) is read at start and every SERVICES_EVERY polls.

The API token is read from BACKUP_API_TOKEN_FILE (where a secret store puts it; the variable
BACKUP_API_TOKEN when there is no file) before every exchange, and never stored anywhere.
The access token lives in memory only, is renewed at 80 % of its lifetime, and is never
logged or put in a URL. Python 3 and requests only (Debian: python3-requests).

Settings, all from the environment (see README.md):
  BACKUP_API_URL, BACKUP_API_TOKEN, BACKUP_API_TOKEN_FILE   given by the harness
  REQUESTS_CA_BUNDLE                                        the CA to trust (requests reads it)
  POLL_INTERVAL_MS, REQUEST_TIMEOUT_MS, BACKOFF_BASE_MS, AUTH_COOLDOWN_MS,
  FORBIDDEN_COOLDOWN_MS, NETWORK_COOLDOWN_MS, BACKUP_INTERVAL_MS, SERVICES_EVERY
  GOLIVE_EXAMPLE_BREAK=<check id>[,<check id>]   break switches, for golive's own tests
"""

import base64
import email.utils
import hashlib
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from urllib.parse import quote

import requests

MAX_DELAY_S = 30.0
MAX_429_ATTEMPTS = 6  # 429: attempts of one request in all
MAX_NETWORK_ATTEMPTS = 4  # network errors and 502/503/504: attempts of one request in all
DOCUMENTED_LIFETIME_S = 900  # the platform's access tokens live 15 minutes unless it says otherwise

# Break switches, each failing exactly one check (GOLIVE_EXAMPLE_BREAK=<check id>).
KNOWN_BREAKS = (
    # The API token kept in an "encrypted" file whose key sits in the file beside it.
    "credentials.secret-not-in-source",
    # The access token sent as ?access_token= on every API call, besides the header.
    "token.not-in-url",
    # A new access token exchanged for every API call.
    "token.cached-and-reused",
)


# --- logging -----------------------------------------------------------------------------
# One line per event. Never a token, a header or a request body.


def log(level, message):
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stream = sys.stdout if level == "INFO" else sys.stderr
    print(f"{stamp} {level} {message}", file=stream, flush=True)


# --- settings ----------------------------------------------------------------------------


def env_ms(env, name, default):
    raw = env.get(name, "").strip()
    if not raw:
        return default / 1000
    if not raw.isdigit():
        raise ValueError(f'{name} must be a whole number of milliseconds, not "{raw}"')
    return int(raw) / 1000


class Settings:
    def __init__(self, env):
        missing = [n for n in ("BACKUP_API_URL",) if not env.get(n)]
        if not env.get("BACKUP_API_TOKEN") and not env.get("BACKUP_API_TOKEN_FILE"):
            missing.append("BACKUP_API_TOKEN (or BACKUP_API_TOKEN_FILE)")
        if missing:
            raise ValueError(f"{', '.join(missing)} not set")
        self.api_url = env["BACKUP_API_URL"].rstrip("/")
        # The API token and every access token would travel in clear over http://.
        if not self.api_url.lower().startswith("https://"):
            raise ValueError("BACKUP_API_URL must be an https:// URL")
        self.api_token_env = env.get("BACKUP_API_TOKEN", "").strip()
        self.api_token_file = env.get("BACKUP_API_TOKEN_FILE", "").strip()
        self.poll_interval_s = env_ms(env, "POLL_INTERVAL_MS", 2000)
        self.timeout_s = env_ms(env, "REQUEST_TIMEOUT_MS", 10_000)
        self.backoff_base_s = env_ms(env, "BACKOFF_BASE_MS", 1000) or 1.0
        self.auth_cooldown_s = env_ms(env, "AUTH_COOLDOWN_MS", 60_000)
        self.forbidden_cooldown_s = env_ms(env, "FORBIDDEN_COOLDOWN_MS", 60_000)
        self.network_cooldown_s = env_ms(env, "NETWORK_COOLDOWN_MS", 30_000)
        self.backup_interval_s = env_ms(env, "BACKUP_INTERVAL_MS", 3_600_000)
        raw_every = env.get("SERVICES_EVERY", "").strip()
        self.services_every = int(raw_every) if raw_every.isdigit() and int(raw_every) > 0 else 30
        self.breaks = [b.strip() for b in env.get("GOLIVE_EXAMPLE_BREAK", "").split(",") if b.strip()]
        unknown = [b for b in self.breaks if b not in KNOWN_BREAKS]
        if unknown:
            raise ValueError(f"GOLIVE_EXAMPLE_BREAK: unknown {', '.join(unknown)} (known: {', '.join(KNOWN_BREAKS)})")

    def broken(self, check):
        return check in self.breaks


# --- errors ------------------------------------------------------------------------------


class Shutdown(BaseException):
    """SIGTERM or SIGINT arrived. A BaseException, so no `except Exception` swallows it."""


class AuthPaused(Exception):
    """Calls are paused: the platform refused the API token (said once, when the pause began)."""


class ApiError(Exception):
    def __init__(self, message, status=None, logged=False):
        super().__init__(message)
        self.status = status
        self.logged = logged  # already logged where it happened: callers stay quiet


class TokenEndpointResting(ApiError):
    """The token endpoint failed every attempt a moment ago: left alone for NETWORK_COOLDOWN_MS."""

    def __init__(self):
        super().__init__("token endpoint left alone after repeated failures", logged=True)


class NetworkError(Exception):
    def __init__(self, message, tls=False):
        super().__init__(message)
        self.tls = tls  # an untrusted certificate: retrying cannot help


# --- waiting -----------------------------------------------------------------------------


def backoff_delay(settings, retry):
    """Wait before retry number `retry` (1 = first): BACKOFF_BASE_MS × 2^(retry-1), capped at
    30 s, the last quarter of each step random. Every wait is at least 1.5 times the one
    before, and clients throttled together still spread out."""
    step = min(MAX_DELAY_S, settings.backoff_base_s * 2 ** (retry - 1))
    return step * 0.75 + random.random() * step * 0.25


def parse_retry_after(value):
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def delay_after_429(settings, retry, retry_after_s):
    """Never earlier than Retry-After, never shorter than the backoff step, plus a little
    randomness on top (an HTTP date has whole seconds: part of its last one may be gone)."""
    backoff = backoff_delay(settings, retry)
    if retry_after_s is None:
        return backoff
    return max(retry_after_s + random.random() * min(1.0, max(0.1, retry_after_s / 4)), backoff)


# --- HTTP --------------------------------------------------------------------------------


class Http:
    """One requests.Session, a timeout on every call, no redirects followed (a redirect
    would carry the Authorization header to wherever it points).

    TLS: requests verifies certificates by default and trusts the CA file named in
    REQUESTS_CA_BUNDLE, which the harness sets. Nothing here turns verification off.
    """

    def __init__(self, settings):
        self.session = requests.Session()
        self.timeout = (settings.timeout_s, settings.timeout_s)  # connect, read

    def send(self, method, url, headers, params=None):
        try:
            return self.session.request(method, url, headers=headers, params=params, timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.SSLError as error:
            raise NetworkError(f"TLS certificate of the server not trusted ({reason(error)}); nothing was sent", tls=True)
        except requests.exceptions.Timeout:
            raise NetworkError(f"no response within {self.timeout[1]:g} s")
        except requests.exceptions.ConnectionError as error:
            raise NetworkError(reason(error))
        except requests.exceptions.RequestException as error:
            # A body cut short of its Content-Length (ChunkedEncodingError), or not decodable.
            raise NetworkError(f"answer could not be read, incomplete or garbled ({reason(error)})")

    def close(self):
        self.session.close()


def reason(error):
    """The cause of a requests error, in one short line (never a URL with its query)."""
    cause = error.args[0] if error.args else error
    cause = getattr(cause, "reason", None) or cause
    text = " ".join(str(arg) for arg in getattr(cause, "args", ())) or str(cause)
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:? ?", "", text).strip()
    text = re.sub(r"\?\S*", "?…", text)
    return text.splitlines()[0][:160] if text else type(cause).__name__


def is_transient(status):
    return status in (500, 502, 503, 504)


def json_of(answer):
    """The JSON object of a 2xx answer; NetworkError (retried like a 5xx) when it is empty or not JSON."""
    if not answer.content:
        raise NetworkError(f"answered {answer.status_code} with an empty body where JSON was due")
    try:
        body = answer.json()
    except ValueError:
        raise NetworkError(f"answered {answer.status_code} with a body that is not JSON")
    if not isinstance(body, dict):
        raise NetworkError(f"answered {answer.status_code} with JSON that is not an object")
    return body


# --- the API token (long-lived) ----------------------------------------------------------


class ApiTokenSource:
    """Where the API token is: the file a secret store keeps current (re-read every time, so a
    rotated token is in use at the next exchange), else the environment. Never cached in a
    file, never logged."""

    def __init__(self, settings):
        self.settings = settings

    def current(self):
        if self.settings.api_token_file:
            try:
                with open(self.settings.api_token_file, encoding="utf-8") as f:
                    text = f.read().strip()
                if text:
                    return text
            except OSError as error:
                log("WARN", f"cannot read BACKUP_API_TOKEN_FILE ({error.strerror}); using BACKUP_API_TOKEN")
        return self.settings.api_token_env


def keep_encrypted_copy(api_token):
    """BREAK: credentials.secret-not-in-source — the API token "encrypted" into a file of the
    workspace with OpenSSL, and the key that decrypts it written in the file beside it: plain
    text to anyone who can read the folder (seed 004's poor storage). Each file is written under a
    name of this process's own, then renamed into place: instances running at once never read
    half-written files."""
    key = secrets.token_hex(32)
    key_file, enc_file = f"api-token.key.{os.getpid()}", f"api-token.enc.{os.getpid()}"
    with open(key_file, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    subprocess.run(
        ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-a", "-salt", "-pass", f"file:{key_file}", "-out", enc_file],
        input=api_token.encode(),
        check=True,
    )
    os.replace(key_file, "api-token.key")
    os.replace(enc_file, "api-token.enc")


# --- the access token (short-lived) ------------------------------------------------------


def jwt_claims(token):
    """The JWT payload, read but not verified (verifying is the platform's job)."""
    try:
        part = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}


def lifetime_seconds(token, expires_in):
    """The shorter of `expires_in` and the JWT's exp - iat (exp - iat rather than exp - now,
    so a clock difference with the platform does not move our renewal time)."""
    claims = jwt_claims(token)
    exp, iat = claims.get("exp"), claims.get("iat")
    from_jwt = exp - iat if isinstance(exp, (int, float)) and isinstance(iat, (int, float)) else None
    known = [s for s in (expires_in, from_jwt) if isinstance(s, (int, float)) and s > 0]
    return min(known) if known else DOCUMENTED_LIFETIME_S


def usable_seconds(lifetime):
    """JWT times are whole seconds: a token issued at 10.9 s carries iat 10, so a 4 s token
    expires 3.1 s after we got it. Count one second less."""
    return max(lifetime - 1, lifetime / 2)


def renew_after_seconds(lifetime):
    """At 80 % of the lifetime, or 60 s before expiry if that is earlier and still well into it."""
    before_60 = lifetime - 60
    return min(lifetime * 0.8, before_60) if before_60 > lifetime / 2 else lifetime * 0.8


class AccessTokens:
    """The access token: exchanged for the API token, kept in memory, renewed before it
    expires and once after a 401. One caller at a time (the poll loop is single-threaded),
    so one renewal at a time."""

    def __init__(self, settings, http, source):
        self.settings = settings
        self.http = http
        self.source = source
        self.token = None
        self.renew_at = 0.0
        self.expires_at = 0.0
        self.paused_until = 0.0
        self.refused_fingerprint = None  # which API token was refused: a new one in the file ends the pause
        self.resting_until = 0.0  # the token endpoint is left alone after it failed every attempt
        self.kept_copy_of = None

    def get(self):
        if self.paused():
            raise AuthPaused()
        # BREAK: token.cached-and-reused — a new access token whenever asked (once per call).
        if self.settings.broken("token.cached-and-reused"):
            return self.exchange()
        if self.token is not None and time.time() < self.renew_at:
            return self.token
        try:
            return self.exchange()
        except (NetworkError, TokenEndpointResting) as error:
            # Renewal failed, but the current token is still valid: keep working with it.
            if self.token is not None and time.time() < self.expires_at and not getattr(error, "tls", False):
                if isinstance(error, NetworkError):
                    log("WARN", f"access token renewal failed ({error}); using the current token until it expires")
                return self.token
            raise

    def renew_after_401(self, rejected):
        """A 401 on a call made with `rejected`: one new access token (unless it was replaced meanwhile)."""
        if self.token is not None and self.token != rejected:
            return self.token
        self.token = None
        return self.exchange()

    def paused(self):
        if time.time() >= self.paused_until:
            return False
        # A new API token in the file (a rotation) ends the pause at once; reading a file costs no call.
        if fingerprint(self.source.current()) != self.refused_fingerprint:
            log("INFO", "a new API token is in place: resuming calls")
            self.paused_until = 0.0
            return False
        return True

    def exchange(self):
        """POST /auth/token with the API token in the Authorization header: never in the URL,
        never in a body. Network errors, 5xx and 429 retried a bounded number of times, then the
        endpoint left alone for NETWORK_COOLDOWN_MS (the next poll must not start over at once);
        a 401 answered by reading the API token once more (a rotation), else calls pause."""
        if time.time() < self.resting_until:
            raise TokenEndpointResting()
        api_token = self.source.current()
        reread, throttled, failed = False, 0, 0
        while True:
            headers = {"Authorization": f"Bearer {api_token}", "Accept": "application/json"}
            try:
                answer = self.http.send("POST", f"{self.settings.api_url}/auth/token", headers)
                status = answer.status_code
                if status == 200:
                    body = json_of(answer)
                    if not isinstance(body.get("access_token"), str):
                        raise NetworkError("answered 200 without an access_token")
                    return self.keep(body, api_token)
            except NetworkError as error:
                if error.tls:
                    raise
                failed += 1
                failure, status = str(error), None
            if status in (401, 403):
                fresh = self.source.current()
                if not reread and fresh != api_token:
                    log("WARN", f"the token endpoint answered {status} and the API token file holds a new token: retrying once with it")
                    api_token, reread = fresh, True
                    continue
                self.refuse(api_token, f"{status} from the token endpoint")
                raise AuthPaused()
            if status == 429:
                throttled += 1
                if throttled >= MAX_429_ATTEMPTS:
                    raise NetworkError(f"token endpoint still throttled after {throttled} attempts")
                retry_after = answer.headers.get("Retry-After")
                wait = delay_after_429(self.settings, throttled, parse_retry_after(retry_after))
                log("WARN", f"429 Too Many Requests on POST /auth/token: retry {throttled} in {round(wait * 1000)} ms")
                time.sleep(wait)
                continue
            if status is not None and not is_transient(status):
                raise ApiError(f"POST /auth/token answered {status}: {answer.text[:200]}", status=status)
            if status is not None:
                failed += 1
                failure = f"HTTP {status}"
            if failed >= MAX_NETWORK_ATTEMPTS:
                seconds = round(self.settings.network_cooldown_s)
                log("ERROR", f"token request failed {failed} times ({failure}); giving up, and leaving the token endpoint alone for {seconds} s")
                self.resting_until = time.time() + self.settings.network_cooldown_s
                raise TokenEndpointResting()
            wait = backoff_delay(self.settings, failed)
            log("WARN", f"token request failed ({failure}): retry {failed} in {round(wait * 1000)} ms")
            time.sleep(wait)

    def keep(self, answer, api_token):
        issued = time.time()
        token = answer["access_token"]
        lifetime = usable_seconds(lifetime_seconds(token, answer.get("expires_in")))
        self.token = token  # memory only
        self.renew_at = issued + renew_after_seconds(lifetime)
        self.expires_at = issued + lifetime
        if self.settings.broken("credentials.secret-not-in-source") and self.kept_copy_of != fingerprint(api_token):
            keep_encrypted_copy(api_token)
            self.kept_copy_of = fingerprint(api_token)
        if not self.settings.broken("token.cached-and-reused"):
            log("INFO", f"new access token, renewing in {round(self.renew_at - issued)} s")
        return token

    def refuse(self, api_token, how):
        """The API token itself is refused (revoked, or rotated out with no new one in place):
        say so once, and stop calling instead of retrying in a loop."""
        seconds = round(self.settings.auth_cooldown_s)
        log(
            "ERROR",
            f"API token rejected ({how}): it was revoked or rotated out; put the current API token where "
            f"BACKUP_API_TOKEN_FILE points. Pausing calls for {seconds} s, or until a new token is in place",
        )
        self.token = None
        self.refused_fingerprint = fingerprint(api_token)
        self.paused_until = time.time() + self.settings.auth_cooldown_s


def fingerprint(value):
    """Tells two tokens apart without keeping a second copy of either in the clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


# --- API calls ---------------------------------------------------------------------------
#   401  renew the access token and retry once; a second 401 pauses calls.
#   403  a permission missing: not retried, the route left alone for FORBIDDEN_COOLDOWN_MS.
#   429  Retry-After honoured, else growing waits with jitter; bounded.
#   network errors, 500/502/503/504: bounded retries with backoff; the request then left
#   alone for NETWORK_COOLDOWN_MS, so an outage does not get the same failing request every poll.


class ApiClient:
    def __init__(self, settings, http, tokens):
        self.settings = settings
        self.http = http
        self.tokens = tokens
        self.left_alone = {}  # route or request -> time until which it is not called

    def waiting(self, *keys):
        return any(time.time() < self.left_alone.get(k, 0) for k in keys)

    def request(self, method, path, route, params=None):
        """One call; returns (status, JSON body or None). `route` is the path template."""
        what = f"{method} {path}" + (f"?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else "")
        if self.waiting(route, what):
            raise ApiError(f"{what} left alone for now", logged=True)
        renewed, throttled, failed = False, 0, 0
        # BREAK: token.cached-and-reused — one new access token per call (its retries share it).
        per_call = self.settings.broken("token.cached-and-reused")
        token = None
        while True:
            if token is None or not per_call:
                token = self.tokens.get()
            # The access token goes in the Authorization header only, never in the URL.
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            query = dict(params or {})
            # BREAK: token.not-in-url — the access token in the query string too.
            if self.settings.broken("token.not-in-url"):
                query["access_token"] = token
            try:
                answer = self.http.send(method, f"{self.settings.api_url}{path}", headers, query or None)
                status = answer.status_code
                if 200 <= status < 300:
                    # An answer that cannot be read is a failed call: retried like a 5xx.
                    return status, json_of(answer)
            except NetworkError as error:
                failed += 1
                self.after_network_failure(what, error, failed)
                continue
            if status == 409:
                return status, None
            if status == 401:
                if renewed:
                    self.tokens.refuse(self.tokens.source.current(), f"401 on {route} with a new access token")
                    raise ApiError(f"{what}: 401 after renewal", status=401, logged=True)
                log("WARN", f"401 Unauthorized on {route}: renewing the access token and retrying once")
                token = self.tokens.renew_after_401(token)
                renewed = True
            elif status == 403:
                seconds = round(self.settings.forbidden_cooldown_s)
                log(
                    "ERROR",
                    f"403 Forbidden on {what}: the API token lacks the permission this call needs; not retried "
                    f"(fix the API token's permissions); leaving {route} alone for {seconds} s",
                )
                self.left_alone[route] = time.time() + self.settings.forbidden_cooldown_s
                raise ApiError(f"{what}: 403", status=403, logged=True)
            elif status == 429:
                throttled += 1
                self.after_429(what, answer.headers.get("Retry-After"), throttled)
            elif is_transient(status):
                failed += 1
                self.after_network_failure(what, NetworkError(f"HTTP {status}"), failed)
            else:
                raise ApiError(f"{what} answered {status}: {answer.text[:200]}", status=status)

    def after_429(self, what, retry_after, count):
        if count >= MAX_429_ATTEMPTS:
            log("ERROR", f"429 Too Many Requests on {what}: still throttled after {count} attempts; giving up until the next poll")
            raise ApiError(f"{what}: 429", status=429, logged=True)
        retry_after_s = parse_retry_after(retry_after)
        wait = delay_after_429(self.settings, count, retry_after_s)
        hint = "" if retry_after_s is None else f" (Retry-After: {retry_after})"
        log("WARN", f"429 Too Many Requests on {what}{hint}: retry {count} in {round(wait * 1000)} ms")
        time.sleep(wait)

    def after_network_failure(self, what, error, count):
        if error.tls:
            log("ERROR", f"{what}: {error}; not retried")
            raise ApiError(f"{what}: {error}", logged=True)
        if count >= MAX_NETWORK_ATTEMPTS:
            seconds = round(self.settings.network_cooldown_s)
            log("ERROR", f"{what} failed {count} times ({error}); giving up, and leaving it alone for {seconds} s")
            self.left_alone[what] = time.time() + self.settings.network_cooldown_s
            raise ApiError(f"{what}: {error}", logged=True)
        wait = backoff_delay(self.settings, count)
        log("WARN", f"{what} failed ({error}): retry {count} in {round(wait * 1000)} ms")
        time.sleep(wait)


# --- the backups -------------------------------------------------------------------------


class Backups:
    def __init__(self, settings, api):
        self.settings = settings
        self.api = api
        self.services = []
        self.asked_at = {}  # service id -> when we last asked for a backup of it

    def poll(self, turn):
        if not self.services or turn % self.settings.services_every == 0:
            _, answer = self.api.request("GET", "/api/v1/services", "GET /api/v1/services")
            self.services = [s["id"] for s in (answer or {}).get("data") or []]
            log("INFO", f"{len(self.services)} service(s) to back up")
            if not self.services:
                return
        service = self.services[turn % len(self.services)]
        path = f"/api/v1/services/{quote(service, safe='')}/backups"
        route = "/api/v1/services/{id}/backups"
        _, answer = self.api.request("GET", path, f"GET {route}", params={"status": "queued"})
        queued = (answer or {}).get("data") or []
        if queued:
            log("INFO", f"{service}: backup {queued[0]['id']} queued since {queued[0]['startedAt']}")
            return
        if time.time() - self.asked_at.get(service, 0) < self.settings.backup_interval_s:
            log("INFO", f"{service}: no backup queued; the last one asked for is recent")
            return
        # A write with nothing in it: the path names the service, and that is all the platform needs.
        status, started = self.api.request("POST", path, f"POST {route}")
        self.asked_at[service] = time.time()
        if status == 409:
            log("INFO", f"{service}: a backup is queued already")
        else:
            log("INFO", f"{service}: started backup {started['id']} ({started['status']})")


def on_signal(signum, _frame):
    raise Shutdown(signal.Signals(signum).name)


def main():
    try:
        settings = Settings(os.environ)
    except ValueError as error:
        log("ERROR", f"configuration: {error}")
        return 1
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if settings.breaks:
        log("WARN", f"GOLIVE_EXAMPLE_BREAK: {', '.join(settings.breaks)} deliberately broken")
    http = Http(settings)
    backups = Backups(settings, ApiClient(settings, http, AccessTokens(settings, http, ApiTokenSource(settings))))
    print("ready", flush=True)  # the harness waits for this line (golive.config.json readyWhen)
    turn = 0
    try:
        while True:
            try:
                backups.poll(turn)
            except AuthPaused:
                pass  # said already, once, when the pause began
            except ApiError as error:
                if not error.logged:
                    log("ERROR", f"poll failed: {error}")
            except (NetworkError, ValueError, KeyError, TypeError) as error:
                log("ERROR", f"poll failed: {error}")
            turn += 1
            # Polls never overlap: the next one starts an interval after this one ended.
            time.sleep(settings.poll_interval_s)
    except Shutdown as stop:
        log("INFO", f"{stop}: stopping")
        http.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
