"""The one place adapters get an HTTP session and turn transport failures into PbxError.

No retries here: a request that may have reached the PBX must never be sent
again (it could ring the customer twice). Whether a failure is safe to retry is
decided by what the socket saw, and the Celery task alone acts on it.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache
from http import cookiejar
from typing import Any

import requests
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
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


@cache
def _idle_limited_pools(keepalive: float) -> dict[str, type]:
    """urllib3 pool classes that hand out a kept connection only while it has been idle
    for less than ``keepalive`` seconds, and close it otherwise (it reconnects on use)."""

    def limited(base: type) -> type:
        class Pool(base):
            def _get_conn(self, timeout=None):
                conn = super()._get_conn(timeout)
                idle_since = getattr(conn, "pbx_idle_since", None)
                if idle_since is not None and time.monotonic() - idle_since > keepalive:
                    conn.close()
                return conn

            def _put_conn(self, conn) -> None:
                if conn is not None:
                    conn.pbx_idle_since = time.monotonic()
                super()._put_conn(conn)

        return Pool

    return {"http": limited(HTTPConnectionPool), "https": limited(HTTPSConnectionPool)}


class _KeptAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, keepalive: float) -> None:
        self.keepalive = keepalive
        super().__init__(max_retries=0, pool_maxsize=32)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _idle_limited_pools(self.keepalive)


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
            adapter = _KeptAdapter(keepalive)
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
