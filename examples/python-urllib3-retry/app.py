"""Order export poller built on a stock retry library: a teaching example for golive.

Every POLL_INTERVAL_S (default 3) it asks the Omnium API for the orders of its stores that
changed since the previous poll (`POST /api/Orders/Search` with a fresh `modifiedFrom`
window) and exports what it finds (one line per order on stdout, and in EXPORT_FILE when
set). No webhook endpoint.

Retries are NOT written here. 429, 502/503/504, connection errors and timeouts are left to
urllib3's `Retry`, mounted on a `requests.Session` through `HTTPAdapter(max_retries=...)`,
and the code relies only on what urllib3 2.x documents for it (see README.md, "What the
library does"). What the library cannot know stays in the application: the token (401 ->
renew once, retry once, then stop), 403 (a configuration problem: log, never repeat), and
what to do when the library has given up.

Settings, all from the environment (README.md lists them with their defaults):
  OMNIUM_API_URL, OMNIUM_CLIENT_ID, OMNIUM_CLIENT_SECRET   given by the harness
  REQUESTS_CA_BUNDLE                                       the CA to trust (requests reads it)
  POLL_INTERVAL_S, REQUEST_TIMEOUT_S, AUTH_COOLDOWN_S, SYNC_STORE_IDS, EXPORT_FILE, ...
  RETRY_TOTAL, RETRY_CONNECT, RETRY_READ, RETRY_STATUS,
  RETRY_BACKOFF_FACTOR, RETRY_BACKOFF_JITTER, RETRY_BACKOFF_MAX
  GOLIVE_EXAMPLE_BREAK=<check id>[,<check id>]   break switches for golive's tests (BREAK:)
"""

import base64
import json
import logging
import os
import signal
import sys
import time
from datetime import datetime, timedelta, timezone

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

SEARCH_PATH = "/api/Orders/Search"
TOKEN_PATH = "/api/token"
PAGE_SIZE = 100  # Omnium's maximum `take`
MAX_WINDOW = 10_000  # take * page must stay within this (omnium-api.md A4)
DOCUMENTED_LIFETIME_S = 864_000  # tokens live 10 days unless the JWT says otherwise

# The statuses the library retries by itself. 429: rate limited; 502/503/504: the gateway or
# the service is briefly unavailable. NOT 401 (the app renews the token), NOT 403 (a
# configuration problem), NOT 500 (a bug on the other side: repeating the same request does
# not help and only adds load).
RETRY_STATUSES = (429, 502, 503, 504)

BREAKS = {
    "errors.network-retry-bounded",
    "errors.no-retry-on-403",
    "errors.backoff-on-429",
}


# --- logging -----------------------------------------------------------------------------
# One line per event; never a token, a secret, a header or a request body.


def log(level, message):
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stream = sys.stdout if level == "INFO" else sys.stderr
    print(f"{stamp} {level} {message}", file=stream, flush=True)


class LineFormatter(logging.Formatter):
    """urllib3 logs each retry after a network error as a WARNING ("Retrying (Retry(total=…))
    after connection broken by …: /api/Orders/Search"): shown in our line format. The message
    holds the path only, and neither our URLs nor the error texts carry secrets."""

    def format(self, record):
        stamp = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        text = record.getMessage().replace("\n", " ")
        return f"{stamp.replace('+00:00', 'Z')} WARN {record.name}: {text}"


def setup_library_logging():
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter())
    logger = logging.getLogger("urllib3")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)  # DEBUG would list every request: not wanted
    logger.propagate = False


# --- settings ----------------------------------------------------------------------------


def env_number(env, name, default, kind=float):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number")


def read_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


class Settings:
    def __init__(self, env):
        self.api_url = env.get("OMNIUM_API_URL", "").rstrip("/")
        if not self.api_url:
            raise ValueError("OMNIUM_API_URL not set")
        # Credentials: from the environment, or from the files the harness (or a secret
        # store) rewrites when the secret is rotated. Never from this folder.
        self.client_id_file = env.get("OMNIUM_CLIENT_ID_FILE") or None
        self.client_secret_file = env.get("OMNIUM_CLIENT_SECRET_FILE") or None
        self.client_id = env.get("OMNIUM_CLIENT_ID") or ""
        self.client_secret = env.get("OMNIUM_CLIENT_SECRET") or ""
        if not (self.client_id and self.client_secret):
            self.reload_credentials()
        if not (self.client_id and self.client_secret):
            raise ValueError("OMNIUM_CLIENT_ID and OMNIUM_CLIENT_SECRET not set")

        self.poll_interval_s = env_number(env, "POLL_INTERVAL_S", 3.0)
        self.timeout_s = env_number(env, "REQUEST_TIMEOUT_S", 10.0)
        self.connect_timeout_s = env_number(env, "CONNECT_TIMEOUT_S", self.timeout_s)
        self.auth_cooldown_s = env_number(env, "AUTH_COOLDOWN_S", 60.0)
        self.overlap_s = env_number(env, "OVERLAP_S", 5.0)
        # The first poll of a run catches up on the last year (one export of what is there).
        self.initial_lookback_s = env_number(env, "INITIAL_LOOKBACK_S", 365 * 86400.0)
        self.max_pages = env_number(env, "MAX_PAGES_PER_POLL", 5, int)
        stores = env.get("SYNC_STORE_IDS", "oslo-online")
        self.store_ids = [s.strip() for s in stores.split(",") if s.strip()]
        self.export_file = env.get("EXPORT_FILE") or None

        # The library's retry settings. Defaults: at most 5 retries (6 attempts) of one
        # request, waits 0, 1, 2, 4, 8 s (+ up to 0.3 s jitter each) between them: a request
        # that keeps failing is given up about 15 s (plus its attempts' own time) after it began.
        self.retry_total = env_number(env, "RETRY_TOTAL", 5, int)
        self.retry_connect = env_number(env, "RETRY_CONNECT", 3, int)
        self.retry_read = env_number(env, "RETRY_READ", 3, int)
        self.retry_status = env_number(env, "RETRY_STATUS", 4, int)
        self.backoff_factor = env_number(env, "RETRY_BACKOFF_FACTOR", 0.5)
        self.backoff_jitter = env_number(env, "RETRY_BACKOFF_JITTER", 0.3)
        self.backoff_max = env_number(env, "RETRY_BACKOFF_MAX", 30.0)

        self.breaks = {b.strip() for b in env.get("GOLIVE_EXAMPLE_BREAK", "").split(",") if b.strip()}
        unknown = self.breaks - BREAKS
        if unknown:
            raise ValueError(
                f"GOLIVE_EXAMPLE_BREAK: unknown {', '.join(sorted(unknown))} (known: {', '.join(sorted(BREAKS))})"
            )

    def reload_credentials(self):
        """Re-reads OMNIUM_CLIENT_ID_FILE / OMNIUM_CLIENT_SECRET_FILE. True if they changed."""
        if not (self.client_id_file and self.client_secret_file):
            return False
        try:
            client_id, secret = read_file(self.client_id_file), read_file(self.client_secret_file)
        except OSError as error:
            log("WARN", f"could not read the credential files ({error.strerror})")
            return False
        changed = (client_id, secret) != (self.client_id, self.client_secret)
        if client_id and secret:
            self.client_id, self.client_secret = client_id, secret
        return changed and bool(client_id and secret)


# --- the library's retry policy ----------------------------------------------------------


def build_retry(settings, statuses):
    """The urllib3 Retry every request of the session gets (see README.md for what each
    setting makes the library do)."""
    retry = dict(
        total=settings.retry_total,  # every retry of any kind counts against this
        connect=settings.retry_connect,  # refused / connect timeout: nothing was sent
        read=settings.retry_read,  # reset after sending, read timeout, broken response
        status=settings.retry_status,  # responses whose status is in status_forcelist
        other=0,  # anything else, e.g. an untrusted TLS certificate: never retried
        redirect=0,  # requests handles redirects itself (and we allow none)
        # POST is retried too: our only POSTs are the order search (a read) and the token
        # request (getting a second token is harmless). The default set leaves POST out.
        allowed_methods=frozenset(Retry.DEFAULT_ALLOWED_METHODS | {"POST"}),
        status_forcelist=frozenset(statuses),
        backoff_factor=settings.backoff_factor,
        backoff_jitter=settings.backoff_jitter,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,  # 429/503 + Retry-After: sleep exactly that long
        raise_on_status=False,  # when status retries run out: give us the last response
    )
    if "errors.network-retry-bounded" in settings.breaks:
        # BREAK: errors.network-retry-bounded — "retry until it works": no limit of any
        # kind, and a tiny backoff factor (the waits still double, up to backoff_max).
        retry.update(total=None, connect=None, read=None, status=None, other=None, backoff_factor=0.01)
    if "errors.backoff-on-429" in settings.breaks:
        # BREAK: errors.backoff-on-429 — Retry-After ignored and no backoff: every 429 is
        # retried at once. backoff_jitter=0 too ("no waiting at all"), so the retries are
        # also in lockstep: this kills the jitter as well (errors.jitter-on-429).
        retry.update(respect_retry_after_header=False, backoff_factor=0, backoff_jitter=0)
    return Retry(**retry)


def build_session(settings):
    """One Session, two adapters. requests picks the adapter with the longest matching URL
    prefix, so the token request gets its own Retry, without 401 (nor 403) in its
    status_forcelist: a refused credential is never repeated by the library.

    TLS: requests verifies certificates by default and, because verify is left True, uses
    the CA file named in REQUESTS_CA_BUNDLE (set by the harness). Verification is never
    turned off here."""
    api_statuses = list(RETRY_STATUSES)
    if "errors.no-retry-on-403" in settings.breaks:
        # BREAK: errors.no-retry-on-403 — 403 "retried in case it was a glitch". The library
        # then repeats it with backoff (up to RETRY_STATUS times) before giving it back.
        api_statuses.append(403)
    token_statuses = [s for s in RETRY_STATUSES if s not in (401, 403)]
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=build_retry(settings, api_statuses)))
    session.mount("http://", HTTPAdapter(max_retries=build_retry(settings, api_statuses)))
    session.mount(f"{settings.api_url}{TOKEN_PATH}", HTTPAdapter(max_retries=build_retry(settings, token_statuses)))
    return session


def retries_used(response):
    """How many retries the library made before handing `response` over."""
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", ()) or ()
    return len(history), ", ".join(str(h.status or type(h.error).__name__) for h in history)


def cause_of(error):
    """A short, secret-free description of a requests exception (it wraps urllib3's
    MaxRetryError, which wraps the last socket/TLS error)."""
    inner = error.args[0] if error.args else error
    reason = getattr(inner, "reason", None) or inner
    text = str(reason)
    if " object at 0x" in text and ">: " in text:
        text = text.split(">: ", 1)[1]
    return text.strip("() ").splitlines()[0][:200] if text else type(reason).__name__


# --- errors ------------------------------------------------------------------------------


class Shutdown(BaseException):
    """SIGTERM or SIGINT: a BaseException, so no `except Exception` swallows it."""


class AuthPaused(Exception):
    """API calls are paused because the API user was refused."""


class PollAborted(Exception):
    """This poll cannot go on; the reason has been logged. The next poll starts on time."""


# --- token (application code: the library knows nothing of tokens) ----------------------


def jwt_claims(token):
    """The JWT payload, decoded (base64url) but not verified: verifying is the server's job."""
    try:
        part = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, TypeError):
        return {}


class Tokens:
    def __init__(self, settings, session):
        self.settings = settings
        self.session = session
        self.token = None  # in memory only
        self.renew_at = 0.0
        self.paused_until = 0.0

    def get(self):
        if time.monotonic() < self.paused_until:
            raise AuthPaused()
        if self.token is None or time.monotonic() >= self.renew_at:
            self.fetch()
        return self.token

    def fetch(self):
        """Asks for a token; on refusal re-reads the credential files once (rotation) and,
        if they changed, asks once more; otherwise pauses (refuse() raises)."""
        status = self.request()
        if status is not None and self.settings.reload_credentials():
            log("INFO", "credentials were refused; the credential files changed: trying the new ones")
            status = self.request()
        if status is not None:
            self.refuse(f"the token endpoint answered {status}")

    def request(self):
        """One token request (the library may retry it on 502/503/504 and network errors,
        never on 401). Returns None on success, the status when refused."""
        s = self.settings
        # Form-encoded body, never the query string (checklist token.secret-in-body).
        form = {"grant_type": "client_credentials", "clientId": s.client_id, "clientSecret": s.client_secret}
        started = time.monotonic()
        try:
            answer = self.session.post(
                f"{s.api_url}{TOKEN_PATH}",
                params={"returnAsJson": "true"},
                data=form,
                timeout=(s.connect_timeout_s, s.timeout_s),
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as error:
            log("ERROR", f"POST {TOKEN_PATH}: TLS certificate of the server not trusted ({cause_of(error)}); not retried, nothing sent")
            raise PollAborted()
        except requests.exceptions.RequestException as error:
            log("ERROR", f"POST {TOKEN_PATH} failed after the library's retries: {cause_of(error)}")
            raise PollAborted()
        if answer.status_code in (400, 401, 403):
            return answer.status_code
        if answer.status_code != 200:
            count, seen = retries_used(answer)
            log("ERROR", f"POST {TOKEN_PATH} answered {answer.status_code} after {count} retries ({seen}); trying again at the next poll")
            raise PollAborted()
        try:
            body = answer.json()
            token = body["accessToken"]
        except (ValueError, KeyError, TypeError):
            log("ERROR", f"POST {TOKEN_PATH}: unexpected answer (no accessToken)")
            raise PollAborted()
        self.remember(token, body.get("expiresIn"), started)
        return None

    def remember(self, token, expires_in, started):
        claims = jwt_claims(token)
        known = []
        if isinstance(expires_in, (int, float)) and expires_in > 0:
            known.append(float(expires_in))
        if isinstance(claims.get("exp"), (int, float)):
            # exp - iat, not exp - our clock: a clock difference with the API (or a mock
            # whose clock was moved) does not move our renewal time.
            issued = claims.get("iat") if isinstance(claims.get("iat"), (int, float)) else time.time()
            known.append(float(claims["exp"] - issued))
        lifetime = min(known) if known else DOCUMENTED_LIFETIME_S
        # JWT times are whole seconds: count one less. Renew with a margin of 20 % of the
        # lifetime (at most 60 s), so the renewal happens before `exp`, never after.
        usable = max(lifetime - 1, lifetime / 2)
        margin = min(60.0, usable * 0.2)
        self.token = token
        self.renew_at = started + usable - margin
        log("INFO", f"got a new API token; renewing it in {round(usable - margin)} s")

    def renew_if_due(self):
        """Between polls: renew a token whose renewal time has come, so that the new token is
        obtained before the old one expires even when no call needs it right now."""
        if self.token is not None and time.monotonic() >= self.renew_at:
            try:
                self.fetch()
            except (AuthPaused, PollAborted):
                pass  # logged; the next poll tries again

    def renew_after_401(self, rejected):
        """A new token after `rejected` got 401 (unless it was already replaced)."""
        if self.token == rejected or self.token is None:
            self.token = None
            self.fetch()
        return self.token

    def refuse(self, how):
        """Guide: "If the second attempt also returns 401, the credentials themselves may be
        invalid — log the error and alert your team instead of retrying in a loop." """
        self.token = None
        self.paused_until = time.monotonic() + self.settings.auth_cooldown_s
        log(
            "ERROR",
            f"API user refused ({how}): check that the API user is active and its secret is current; "
            f"no API calls for {round(self.settings.auth_cooldown_s)} s",
        )
        raise AuthPaused()


# --- API calls ---------------------------------------------------------------------------


class Api:
    def __init__(self, settings, session, tokens):
        self.settings = settings
        self.session = session
        self.tokens = tokens

    def post(self, path, body, what):
        """POSTs `body`; returns the JSON answer or raises PollAborted (after logging)."""
        token = self.tokens.get()
        answer = self.send(path, body, token, what)
        if answer.status_code == 401:
            # 401 is not in status_forcelist, so the library hands it straight to us.
            # Guide: "request a new token and retry the original request once".
            log("WARN", f"401 Unauthorized on {what}: renewing the token and retrying once")
            token = self.tokens.renew_after_401(token)
            answer = self.send(path, body, token, what)
            if answer.status_code == 401:
                self.tokens.refuse(f"401 on {what} again after a new token")
        status = answer.status_code
        count, seen = retries_used(answer)
        if 200 <= status < 300:
            if count:
                log("INFO", f"{what} answered {status} after {count} retries by the library ({seen})")
            return answer.json() if answer.content else {}
        if status == 403:
            # Not in status_forcelist: the library did not repeat it, and neither do we.
            log(
                "ERROR",
                f"403 Forbidden on {what}: the API user is missing a role or store/market access "
                f"(OrderRead, stores {', '.join(self.settings.store_ids)}); not retried: fix the API user's roles or scope"
                + (f" (the library retried it {count} times)" if count else ""),
            )
        elif status in RETRY_STATUSES:
            # The library's status retries are used up (raise_on_status=False gives us the
            # last response). Retrying again here would multiply the limit: give up this poll.
            log("ERROR", f"{what} still answered {status} after {count} retries ({seen}); giving up this poll")
        else:
            log("ERROR", f"{what} answered {status}: {answer.text[:200]!r}; giving up this poll")
        raise PollAborted()

    def send(self, path, body, token, what):
        s = self.settings
        try:
            return self.session.post(
                f"{s.api_url}{path}",
                json=body,
                # The token goes in the Authorization header only, never in the URL.
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=(s.connect_timeout_s, s.timeout_s),
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as error:
            log("ERROR", f"{what}: TLS certificate of the server not trusted ({cause_of(error)}); not retried")
        except requests.exceptions.RequestException as error:
            # MaxRetryError underneath: connect/read retries (or total) used up.
            log("ERROR", f"{what} failed after the library's retries: {cause_of(error)}; giving up this poll")
        raise PollAborted()


# --- the export --------------------------------------------------------------------------


def iso(moment):
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Exporter:
    def __init__(self, settings, api):
        self.settings = settings
        self.api = api
        self.window_from = datetime.now(timezone.utc) - timedelta(seconds=settings.initial_lookback_s)
        self.seen = {}  # order id -> `modified` already exported (the windows overlap)

    def poll(self):
        s = self.settings
        started = datetime.now(timezone.utc)
        window_from = self.window_from
        exported = found = 0
        last_modified = None
        page = 0
        while True:
            # The window: from the start of the last poll that got everything (less an overlap),
            # to the start of this one. A failed poll does not move `modifiedFrom`, so nothing
            # is skipped; `modifiedTo` makes each poll a new request (and keeps paging stable).
            body = {
                "modifiedFrom": iso(window_from),
                "modifiedTo": iso(started),
                "selectedStores": s.store_ids,
                "sortOrder": "ModifiedAscending",
                "take": PAGE_SIZE,
                "page": page,
                "disableFacets": True,
            }
            answer = self.api.post(SEARCH_PATH, body, f"POST {SEARCH_PATH} (modified from {body['modifiedFrom']}, page {page})")
            orders = answer.get("result") or []
            found += len(orders)
            exported += self.export(orders)
            if orders:
                last_modified = orders[-1].get("modified") or last_modified
            page += 1
            if len(orders) < PAGE_SIZE or (page + 1) * PAGE_SIZE > MAX_WINDOW:
                # All of it: the next window starts at this poll's start, less the overlap
                # (an order saved while we were reading is caught next time).
                self.window_from = started - timedelta(seconds=s.overlap_s)
                break
            if page >= s.max_pages:
                # More than we read in one poll: continue from the last order seen.
                self.window_from = parse_time(last_modified) or started - timedelta(seconds=s.overlap_s)
                break
        log("INFO", f"poll: {found} orders changed since {iso(window_from)}, {exported} exported")

    def export(self, orders):
        new = []
        for order in orders:
            key = order.get("id")
            if key is None or self.seen.get(key) == order.get("modified"):
                continue
            self.seen[key] = order.get("modified")
            new.append(order)
        if len(self.seen) > 50_000:
            self.seen = dict(list(self.seen.items())[-10_000:])
        if new and self.settings.export_file:
            with open(self.settings.export_file, "a", encoding="utf-8") as f:
                for order in new:
                    f.write(f"{order.get('id')}\t{order.get('status')}\t{order.get('modified')}\n")
        for order in new[:5]:
            log("INFO", f"export: order {order.get('id')} ({order.get('status')}, store {order.get('storeId')})")
        if len(new) > 5:
            log("INFO", f"export: … and {len(new) - 5} more")
        return len(new)


def parse_time(value):
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


# --- main --------------------------------------------------------------------------------


def wait_for_next_poll(settings, tokens):
    deadline = time.monotonic() + settings.poll_interval_s
    renewed = False
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        if not renewed and tokens.token is not None and tokens.renew_at <= now:
            tokens.renew_if_due()
            renewed = True
            continue
        wake = deadline if renewed or tokens.token is None else min(deadline, tokens.renew_at)
        time.sleep(max(0.0, wake - now))


def on_signal(signum, _frame):
    raise Shutdown(signal.Signals(signum).name)


def main():
    if int(urllib3.__version__.split(".")[0]) < 2:
        log("ERROR", f"urllib3 {urllib3.__version__} found; this example needs urllib3 2.x (backoff_jitter, backoff_max)")
        return 1
    try:
        settings = Settings(os.environ)
    except ValueError as error:
        log("ERROR", f"configuration: {error}")
        return 1
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    setup_library_logging()
    if settings.breaks:
        log("WARN", f"GOLIVE_EXAMPLE_BREAK: {', '.join(sorted(settings.breaks))} broken on purpose")
    session = build_session(settings)
    tokens = Tokens(settings, session)
    exporter = Exporter(settings, Api(settings, session, tokens))
    print("ready", flush=True)  # the harness waits for this line (golive.config.json)
    try:
        while True:
            try:
                exporter.poll()
            except (AuthPaused, PollAborted):
                pass  # logged where it happened
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                log("ERROR", f"poll failed: unexpected answer ({type(error).__name__}: {error})")
            # Polls never overlap: the next starts one interval after this one ended. A token
            # renewal that falls due in between happens on time (at most once per pause).
            wait_for_next_poll(settings, tokens)
    except Shutdown as stop:
        log("INFO", f"{stop}: stopping")
        session.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
