"""The one place adapters get an HTTP session and turn transport failures into PbxError.

No retries here: a request that may have reached the PBX must never be sent
again (it could ring the customer twice). Whether a failure is safe to retry is
decided by what the socket saw, and the Celery task alone acts on it.
"""

from __future__ import annotations

import logging
import threading
import time
from http import cookiejar
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from calls.pbx.errors import PbxError
from calls.pbx.redact import RedactFilter, redact
from calls.pbx.words import gettext as _

log = logging.getLogger("calls.pbx")
# urllib3 logs each request line (query strings with pwd=, pass=) at DEBUG: mask it at
# the source, so no handler anywhere, configured by us or not, sees the secrets.
logging.getLogger("urllib3.connectionpool").addFilter(RedactFilter())

USER_AGENT = "pbxportal/0.1 (+click-to-call)"


class _NoCookies(cookiejar.DefaultCookiePolicy):
    """No vendor flow here uses cookies, and a kept session must never carry one PBX
    account's cookie into another account's request on the same host."""

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False


def make_session() -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(_NoCookies())
    session.headers["User-Agent"] = USER_AGENT
    # Retries at the transport level would resend requests that reached the PBX.
    adapter = requests.adapters.HTTPAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _IdleLimitedAdapter(requests.adapters.BaseAdapter):
    """Sends each request on a connection idle for less than ``keepalive`` seconds, or on
    a new one. A kept connection is a one-connection HTTPAdapter kept with the time it was
    last handed back: its idleness is known without reaching into urllib3's pool."""

    def __init__(self, keepalive: float, kept_per_host: int = 32) -> None:
        super().__init__()
        self.keepalive = keepalive
        self.kept_per_host = kept_per_host
        self._idle: dict[tuple, list[tuple[float, HTTPAdapter]]] = {}  # oldest first
        self._lock = threading.Lock()

    def send(self, request, **kwargs) -> requests.Response:
        host = (_origin(request.url), select_proxy(request.url, kwargs.get("proxies") or {}))
        connection = self._take(host)
        try:
            response = connection.send(request, **kwargs)
            response.content  # noqa: B018 - read to the end: the connection is free from now
        except BaseException:
            connection.close()
            raise
        self._give_back(host, connection)
        return response

    def _take(self, host: tuple) -> HTTPAdapter:
        stale: list[HTTPAdapter] = []
        with self._lock:
            idle = self._idle.get(host, [])
            if idle and time.monotonic() - idle[-1][0] > self.keepalive:
                stale = [adapter for _since, adapter in idle]  # the newest is too old: all are
                idle.clear()
            connection = idle.pop()[1] if idle else None
        for old in stale:  # the PBX may be closing them at this very moment
            old.close()
        return connection or HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)

    def _give_back(self, host: tuple, connection: HTTPAdapter) -> None:
        now = time.monotonic()
        dropped = []
        with self._lock:
            idle = self._idle.setdefault(host, [])
            idle.append((now, connection))
            while len(idle) > self.kept_per_host or now - idle[0][0] > self.keepalive:
                dropped.append(idle.pop(0)[1])
        for old in dropped:
            old.close()

    def close(self) -> None:
        with self._lock:
            kept = [adapter for idle in self._idle.values() for _since, adapter in idle]
            self._idle.clear()
        for adapter in kept:
            adapter.close()


_kept: dict[float, requests.Session] = {}
_kept_lock = threading.Lock()


def kept_session(keepalive: float) -> requests.Session:
    """The process's session whose connections to the PBXs are reused, each only while it
    has been idle for less than ``keepalive`` seconds (0: a new connection every time).

    Reuse saves a TCP and TLS handshake on every click. The limit is the point: a POST
    sent on a connection the PBX is closing at that very moment fails after it may have
    been read, and can only be reported as "may still ring". Servers close idle
    connections after seconds (Apache 5, nginx 75), so a connection idle for less than
    a couple of seconds is not one they are closing. One session serves every thread
    (urllib3's pools are thread-safe; it sends no cookies and nothing changes its
    headers), so the worker's threads share its connections.
    """
    if keepalive <= 0:
        return make_session()
    with _kept_lock:
        session = _kept.get(keepalive)
        if session is None:
            session = _kept[keepalive] = make_session()
            adapter = _IdleLimitedAdapter(keepalive)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        return session


def _never_reached(exc: requests.RequestException) -> bool:
    """True when the PBX cannot have seen the request: safe to try again later."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return isinstance(reason, NewConnectionError | NameResolutionError | ConnectTimeoutError)
    return False


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    vendor_label: str,
    timeout: tuple[float, float],
    **kwargs: Any,
) -> requests.Response:
    """Send one request; map transport failures to PbxError with a human sentence."""
    log.debug("%s %s", method, redact(url))
    try:
        response = session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        if _never_reached(exc):
            raise PbxError(
                _(
                    "Could not reach the %(vendor)s PBX at %(address)s; check its address "
                    "and that it is running."
                )
                % {"vendor": vendor_label, "address": redact(_origin(url))},
                permanent=False,
            ) from None
        if isinstance(exc, requests.ReadTimeout):
            raise PbxError(
                _("The %(vendor)s PBX did not answer in %(seconds)s s; the call may still ring.")
                % {"vendor": vendor_label, "seconds": f"{timeout[1]:g}"}
            ) from None
        raise PbxError(
            _(
                "The connection to the %(vendor)s PBX broke off before it answered "
                "(%(error)s); the call may still ring."
            )
            % {"vendor": vendor_label, "error": type(exc).__name__}
        ) from None
    log.debug("%s %s -> %s", method, redact(url), response.status_code)
    return response


def _origin(url: str) -> str:
    parts = requests.utils.urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"
