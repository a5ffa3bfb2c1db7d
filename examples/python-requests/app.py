"""ERP order sync in Python with requests: a teaching example for golive.

Polls the Omnium API every POLL_INTERVAL_MS (default 2000): searches the recent orders of
its stores, reads one order in full and looks up the stock of one of its lines. It follows
the rules of Omnium's "API Security Best Practices" guide; each rule is quoted where it is
applied. Python 3 and requests only (Debian: python3-requests). No webhook endpoint.

Settings, all from the environment:
  OMNIUM_API_URL, OMNIUM_CLIENT_ID, OMNIUM_CLIENT_SECRET   given by the harness
  REQUESTS_CA_BUNDLE                                       the CA to trust (requests reads it)
  POLL_INTERVAL_MS, REQUEST_TIMEOUT_MS, AUTH_COOLDOWN_MS, FORBIDDEN_COOLDOWN_MS, SYNC_STORE_IDS
  GOLIVE_EXAMPLE_INSECURE=1   turns TLS verification OFF, for golive's own tests only
"""

import base64
import email.utils
import json
import os
import random
import re
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote

import requests

BASE_DELAY_S = 1.0
BACKOFF_FACTOR = 2
MAX_DELAY_S = 30.0
MAX_429_ATTEMPTS = 6
MAX_NETWORK_ATTEMPTS = 5
DOCUMENTED_LIFETIME_S = 864_000  # Omnium's tokens live 10 days (omnium-api.md A2)


# --- logging -----------------------------------------------------------------------------
# One line per event. Never a token, a secret or a request header (guide, "Never expose
# tokens": "Do not log full tokens").


def log(level, message):
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stream = sys.stdout if level == "INFO" else sys.stderr
    print(f"{stamp} {level} {message}", file=stream, flush=True)


# --- settings ----------------------------------------------------------------------------
# Guide, "Storing Secrets": "Use environment variables or secure configuration", never
# "Hard-code secrets in source code".


def env_int(name, default):
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


class Settings:
    def __init__(self, env):
        missing = [n for n in ("OMNIUM_API_URL", "OMNIUM_CLIENT_ID", "OMNIUM_CLIENT_SECRET") if not env.get(n)]
        if missing:
            raise ValueError(f"{', '.join(missing)} not set")
        self.api_url = env["OMNIUM_API_URL"].rstrip("/")
        self.client_id = env["OMNIUM_CLIENT_ID"]
        self.client_secret = env["OMNIUM_CLIENT_SECRET"]
        self.poll_interval_s = env_int("POLL_INTERVAL_MS", 2000) / 1000
        self.timeout_s = env_int("REQUEST_TIMEOUT_MS", 10_000) / 1000
        self.auth_cooldown_s = env_int("AUTH_COOLDOWN_MS", 60_000) / 1000
        self.forbidden_cooldown_s = env_int("FORBIDDEN_COOLDOWN_MS", 60_000) / 1000
        stores = env.get("SYNC_STORE_IDS", "oslo-online,store-oslo-downtown")
        self.store_ids = [s.strip() for s in stores.split(",") if s.strip()]
        self.insecure = env.get("GOLIVE_EXAMPLE_INSECURE") == "1"


# --- errors ------------------------------------------------------------------------------


class Shutdown(BaseException):
    """SIGTERM or SIGINT arrived. A BaseException, so no `except Exception` swallows it."""


class TokenRejected(Exception):
    """The token endpoint refused the credentials (wrong secret, user deactivated)."""

    def __init__(self, status):
        super().__init__(f"token endpoint answered {status}")
        self.status = status


class AuthPaused(Exception):
    """API calls are paused because the API user was rejected."""


class ApiError(Exception):
    def __init__(self, message, status=None, logged=False):
        super().__init__(message)
        self.status = status
        self.logged = logged  # already logged where it happened: callers stay quiet


class NetworkError(Exception):
    def __init__(self, message, tls=False):
        super().__init__(message)
        self.tls = tls  # an untrusted certificate: retrying cannot help


# --- waiting -----------------------------------------------------------------------------
# Guide on 429: "Back off and retry with exponential backoff and jitter."


def backoff_delay(retry):
    """Wait before retry number `retry` (1 = first): the last quarter of each exponential
    step is random (0.75-1 s, 1.5-2 s, 3-4 s...), so every wait is at least 1.5 times the one
    before while clients still spread out."""
    step = min(MAX_DELAY_S, BASE_DELAY_S * BACKOFF_FACTOR ** (retry - 1))
    return step * 0.75 + random.random() * step * 0.25


def parse_retry_after(value):
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def delay_after_429(retry, retry_after_s):
    """Never earlier than Retry-After, never shorter than the backoff step, plus a little
    randomness so clients throttled together do not all return at the same moment."""
    backoff = backoff_delay(retry)
    if retry_after_s is None:
        return backoff
    return max(retry_after_s + random.random() * min(1.0, retry_after_s / 4), backoff)


# --- HTTP --------------------------------------------------------------------------------


class Http:
    """One requests.Session with a timeout on every call.

    TLS: requests verifies certificates by default and trusts the CA file named in
    REQUESTS_CA_BUNDLE, which the harness sets: nothing to do here. We never pass
    verify=False, except for the documented GOLIVE_EXAMPLE_INSECURE test switch.
    """

    def __init__(self, settings):
        self.session = requests.Session()
        self.timeout = (settings.timeout_s, settings.timeout_s)  # connect, read
        # Passed per request: a Session-level verify=False would be overridden by
        # REQUESTS_CA_BUNDLE (requests issue #3829).
        self.extra = {"verify": False} if settings.insecure else {}

    def send(self, method, url, **kwargs):
        try:
            return self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **self.extra, **kwargs
            )
        except requests.exceptions.SSLError as error:
            raise NetworkError(f"TLS certificate of the server not trusted ({reason(error)}); nothing was sent", tls=True)
        except requests.exceptions.Timeout:
            raise NetworkError(f"no response within {self.timeout[1]:g} s")
        except requests.exceptions.ConnectionError as error:
            raise NetworkError(reason(error))
        except requests.exceptions.RequestException as error:
            # A body cut short of its Content-Length (ChunkedEncodingError), one that cannot be
            # decoded: the call failed like a dropped connection, and is retried like one.
            raise NetworkError(reason(error))

    def close(self):
        self.session.close()


def reason(error):
    """The cause of a requests error, in one short line. requests wraps urllib3's error,
    which may wrap the socket's (MaxRetryError.reason)."""
    cause = error.args[0] if error.args else error
    cause = getattr(cause, "reason", None) or cause
    text = " ".join(str(arg) for arg in getattr(cause, "args", ())) or str(cause)
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:? ?", "", text).strip()
    return text.splitlines()[0][:160] if text else type(cause).__name__


def is_transient(status):
    return status in (502, 503, 504)


# --- token -------------------------------------------------------------------------------
# Guide, "Token Management": "Cache and reuse tokens ... Request a new one only when the
# current one is close to expiring or has been rejected with 401 Unauthorized." and "Check
# expiry proactively. Decode the JWT and read the exp claim ... or track the expiresIn
# value from the token response."


def jwt_claims(token):
    """The JWT payload, read but not verified (verifying is the server's job)."""
    try:
        part = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}


def lifetime_seconds(token, expires_in):
    """The shorter of `expiresIn` and the JWT's exp - iat (exp - iat rather than exp - now,
    so a clock difference with the API does not move our renewal time)."""
    claims = jwt_claims(token)
    from_jwt = claims["exp"] - claims.get("iat", time.time()) if "exp" in claims else None
    known = [s for s in (expires_in, from_jwt) if isinstance(s, (int, float)) and s > 0]
    return min(known) if known else DOCUMENTED_LIFETIME_S


def usable_seconds(lifetime):
    """JWT times are whole seconds: a token issued at 10.9 s carries iat 10, so with a 4 s
    lifetime it expires at 14, only 3.1 s after we received it. Count one second less."""
    return max(lifetime - 1, lifetime / 2)


def renew_after_seconds(lifetime):
    """At 80 % of the lifetime, or 60 s before expiry if earlier; the 60 s rule only for
    tokens that live well beyond a minute (for a 20 s token it would be before issue)."""
    before_60 = lifetime - 60
    return min(lifetime * 0.8, before_60) if before_60 > lifetime / 2 else lifetime * 0.8


class TokenProvider:
    def __init__(self, settings, http):
        self.settings = settings
        self.http = http
        self.token = None  # memory only: never written to a file
        self.renew_at = 0.0
        self.expires_at = 0.0
        self.paused_until = 0.0
        self.lock = threading.Lock()  # one token request at a time, shared by all callers

    def request_token(self):
        # The secret goes in a form-encoded body, never in the URL, which proxies and
        # access logs keep (checklist token.secret-in-body).
        form = {
            "grant_type": "client_credentials",
            "clientId": self.settings.client_id,
            "clientSecret": self.settings.client_secret,
        }
        url = f"{self.settings.api_url}/api/token?returnAsJson=true"
        for attempt in range(1, MAX_NETWORK_ATTEMPTS + 1):
            try:
                answer = self.http.send("POST", url, data=form)
                if answer.status_code == 200:
                    return answer.json()
                if not is_transient(answer.status_code):
                    raise TokenRejected(answer.status_code)
                failure = f"token endpoint answered {answer.status_code}"
            except NetworkError as error:
                if error.tls:
                    raise
                failure = str(error)
            if attempt == MAX_NETWORK_ATTEMPTS:
                raise NetworkError(f"token request failed {attempt} times: {failure}")
            log("WARN", f"token request failed ({failure}); retry {attempt}")
            time.sleep(backoff_delay(attempt))

    def fetch(self):
        issued = time.time()
        answer = self.request_token()
        token = answer["accessToken"]
        lifetime = usable_seconds(lifetime_seconds(token, answer.get("expiresIn")))
        self.token = token
        self.renew_at = issued + renew_after_seconds(lifetime)
        self.expires_at = issued + lifetime
        log("INFO", f"got a new API token, usable for {round(lifetime)} s")
        return token

    def renew(self, rejected=None):
        """A new token. With `rejected`, the token that just got 401: if another caller
        has replaced it meanwhile, that replacement is returned instead."""
        with self.lock:
            if rejected is not None and self.token is not None and self.token != rejected:
                return self.token
            return self.fetch()

    def get(self):
        if time.time() < self.paused_until:
            raise AuthPaused()
        if self.token is not None and time.time() < self.renew_at:
            return self.token
        try:
            return self.renew()
        except TokenRejected as error:
            self.reject(f"{error.status} from the token endpoint")
            raise AuthPaused()
        except NetworkError as error:
            # Renewal failed, but the old token is still valid: keep working with it.
            if self.token is not None and time.time() < self.expires_at and not error.tls:
                log("WARN", f"token renewal failed ({error}); using the current token until it expires")
                return self.token
            raise

    def reject(self, how):
        """Guide: "If the second attempt also returns 401, the credentials themselves may
        be invalid — log the error and alert your team instead of retrying in a loop.\""""
        log(
            "ERROR",
            f"API user rejected ({how}): check that the API user is active and its secret is current; "
            f"pausing API calls for {round(self.settings.auth_cooldown_s)} s",
        )
        self.token = None
        self.paused_until = time.time() + self.settings.auth_cooldown_s


# --- API calls ---------------------------------------------------------------------------
#   401  "Request a new token and retry the original request once."
#   403  "This is a configuration issue, not a runtime error — fix it by adjusting the API
#         user's roles, not by retrying."
#   429  "Back off and retry with exponential backoff and jitter."
#   network errors, 502/503/504: "retried with reasonable limits" (Go-Live checklist).


class ApiClient:
    def __init__(self, settings, http, tokens):
        self.settings = settings
        self.http = http
        self.tokens = tokens
        self.forbidden_until = {}  # route -> time: routes paused after a 403

    def request(self, method, path, body=None, route=None):
        what = f"{method} {path}"
        route = route or what
        if time.time() < self.forbidden_until.get(route, 0):
            raise ApiError(f"{route} paused after a 403", status=403, logged=True)
        renewed, throttled, failed = False, 0, 0
        while True:
            token = self.tokens.get()
            # The token goes in the Authorization header only, never in the URL.
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            try:
                answer = self.http.send(method, f"{self.settings.api_url}{path}", headers=headers, json=body)
            except NetworkError as error:
                failed += 1
                self.on_network_failure(what, error, failed)
                continue
            status = answer.status_code
            if 200 <= status < 300:
                return answer.json() if answer.content else None
            if status == 401:
                self.on_401(what, token, renewed)
                renewed = True
            elif status == 403:
                self.on_403(what, route)
            elif status == 429:
                throttled += 1
                self.on_429(what, answer.headers.get("Retry-After"), throttled)
            elif is_transient(status):
                failed += 1
                self.on_network_failure(what, NetworkError(f"HTTP {status}"), failed)
            else:
                raise ApiError(f"{what} answered {status}: {answer.text[:200]}", status=status)

    def on_401(self, what, token, renewed):
        if renewed:
            self.tokens.reject("401 after renewal")
            raise ApiError(f"{what}: 401 after renewal", status=401, logged=True)
        log("WARN", f"401 Unauthorized on {what}: renewing the token and retrying once")
        try:
            self.tokens.renew(rejected=token)
        except TokenRejected:
            self.tokens.reject("401 after renewal")
            raise ApiError(f"{what}: token renewal rejected", status=401, logged=True)

    def on_403(self, what, route):
        seconds = round(self.settings.forbidden_cooldown_s)
        log(
            "ERROR",
            f"403 Forbidden on {what}: the API user lacks a role or store/market access; "
            f"not retried (fix the API user's roles or scope); skipping {route} for {seconds} s",
        )
        self.forbidden_until[route] = time.time() + self.settings.forbidden_cooldown_s
        raise ApiError(f"{what}: 403", status=403, logged=True)

    def on_429(self, what, retry_after, count):
        if count >= MAX_429_ATTEMPTS:
            log("ERROR", f"429 Too Many Requests on {what}: still throttled after {count} attempts; giving up this request")
            raise ApiError(f"{what}: 429", status=429, logged=True)
        retry_after_s = parse_retry_after(retry_after)
        wait = delay_after_429(count, retry_after_s)
        hint = "" if retry_after_s is None else f" (Retry-After: {retry_after})"
        log("WARN", f"429 Too Many Requests on {what}{hint}: retry {count} in {round(wait * 1000)} ms")
        time.sleep(wait)

    def on_network_failure(self, what, error, count):
        if error.tls:
            log("ERROR", f"{what}: {error}")
            raise ApiError(f"{what}: {error}", logged=True)
        if count >= MAX_NETWORK_ATTEMPTS:
            log("ERROR", f"{what} failed {count} times ({error}); giving up this request")
            raise ApiError(f"{what}: {error}", logged=True)
        wait = backoff_delay(count)
        log("WARN", f"{what} failed ({error}): retry {count} in {round(wait * 1000)} ms")
        time.sleep(wait)


# --- the sync ----------------------------------------------------------------------------


def poll_once(api, settings, turn):
    search = api.request(
        "POST",
        "/api/Orders/Search",
        body={"take": 20, "page": 0, "selectedStores": settings.store_ids, "disableFacets": True},
        route="POST /api/Orders/Search",
    )
    orders = (search or {}).get("result") or []
    if not orders:
        log("INFO", "poll: no orders found")
        return
    pick = orders[turn % len(orders)]  # a different order each time
    order = api.request("GET", f"/api/Orders/{quote(str(pick['id']), safe='')}", route="GET /api/Orders/{id}")
    lines = ((order or {}).get("orderForm") or {}).get("lineItems") or []
    sku = next((line["code"] for line in lines if line.get("code")), None)
    if sku is None:
        log("INFO", f"poll: order {order.get('id')} ({order.get('status')}) has no lines")
        return
    stock = api.request("GET", f"/api/Inventory/{quote(sku, safe='')}", route="GET /api/Inventory/{sku}")
    available = sum(item.get("inventory") or 0 for item in (stock or {}).get("result") or [])
    log("INFO", f"poll: {len(orders)} orders; order {order.get('id')} ({order.get('status')}); {sku}: {available} in stock")


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
    if settings.insecure:
        # Test switch only: with verification off, the client secret goes to whoever
        # answers on that address (checklist token.tls-verified).
        log("WARN", "GOLIVE_EXAMPLE_INSECURE=1: TLS certificate verification is OFF")
    http = Http(settings)
    api = ApiClient(settings, http, TokenProvider(settings, http))
    print("ready", flush=True)  # the harness waits for this line (golive.config.json)
    turn = 0
    try:
        while True:
            try:
                poll_once(api, settings, turn)
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
