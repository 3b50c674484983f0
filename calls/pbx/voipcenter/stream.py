"""One session on VoipCenter's Socket.IO stream: connect, register, hand on ``notify``.

The protocol, as the public Home Assistant integration (bertouttier/voipcenter-hacs)
speaks it to the live server: connect a Socket.IO client to the websocket server, wait
for the server's ``serveroutput`` message, emit ``register`` with ``{username, wskey}``
(the key from get.php m=wskey), then receive ``notify`` messages. That integration ran
on Home Assistant's python-socketio 4.x (Socket.IO protocol 4, Engine.IO 3, the
JavaScript socket.io 2.x servers), so we pin python-socketio 4.6.1 (requirements.txt).

No ORM here: ``listen()`` returns why the session ended, the caller (the stream process,
calls/pbx/voipcenter/listener.py) keeps state, stores messages and reconnects. The key is
never logged: it travels only inside the ``register`` payload.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio

from calls.pbx.voipcenter.adapter import StreamLogin
from calls.pbx.words import gettext as _

CONNECT_TIMEOUT = 10.0
# A server that closes the stream this soon after ``register`` refused the key.
REGISTER_GRACE = 3.0
_TICK = 0.25  # the longest a stop request waits


class _NoKeys(logging.Filter):
    """python-socketio/engineio log every packet at INFO/DEBUG, the register key with them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "wskey" in record.getMessage():
            record.msg, record.args = "(a Socket.IO packet with the websocket key, not logged)", ()
        return True


# Their own loggers would inherit the root level; this one says only what went wrong.
_LIBRARY_LOG = logging.getLogger("calls.voipcenter_stream.socketio")
_LIBRARY_LOG.setLevel(logging.WARNING)
_LIBRARY_LOG.addFilter(_NoKeys())


@dataclass(frozen=True)
class Ended:
    """Why a stream session ended, in a sentence; ``refused``: the register was refused."""

    reason: str
    registered: bool = False
    refused: bool = False
    messages: int = 0


def listen(
    login: StreamLogin,
    deliver: Callable[[Any], None],
    stop: threading.Event,
    *,
    on_registered: Callable[[], None] = lambda: None,
    connect_timeout: float = CONNECT_TIMEOUT,
    register_grace: float = REGISTER_GRACE,
) -> Ended:
    """Run one session until the server closes it or ``stop`` is set.

    ``deliver`` gets each ``notify`` payload in the caller's thread, in arrival order.
    ``on_registered`` is called once the server kept the stream open ``register_grace``
    seconds after ``register`` (or sent a message sooner).
    """
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = socketio.Client(
        reconnection=False,
        request_timeout=connect_timeout,
        logger=_LIBRARY_LOG,
        engineio_logger=_LIBRARY_LOG,
    )
    client.on("serveroutput", lambda *args: inbox.put(("serveroutput", args)))
    client.on("notify", lambda *args: inbox.put(("notify", args[0] if args else None)))
    client.on("disconnect", lambda: inbox.put(("disconnect", None)))
    try:
        client.connect(login.url)
    except (socketio.exceptions.ConnectionError, OSError, ValueError) as exc:
        return Ended(
            _("Could not connect to the VoipCenter stream at %(url)s: %(error)s.")
            % {"url": login.url, "error": _short(exc)}
        )
    try:
        return _session(client, login, inbox, deliver, stop, on_registered, register_grace)
    finally:
        if client.connected:
            client.disconnect()


def _session(
    client: socketio.Client,
    login: StreamLogin,
    inbox: queue.Queue[tuple[str, Any]],
    deliver: Callable[[Any], None],
    stop: threading.Event,
    on_registered: Callable[[], None],
    grace: float,
) -> Ended:
    registered_at: float | None = None
    confirmed = False
    count = 0
    while not stop.is_set():
        try:
            kind, data = inbox.get(timeout=_TICK)
        except queue.Empty:
            kind, data = "", None
        now = time.monotonic()
        if kind == "serveroutput" and registered_at is None:
            client.emit("register", {"username": login.username, "wskey": login.key})
            registered_at = now
        elif kind == "notify":
            count += 1
            deliver(data)
        elif kind == "disconnect" or (not kind and not client.connected):
            return _closed(registered_at, confirmed, count, now, grace)
        if registered_at is not None and not confirmed and (count or now - registered_at >= grace):
            confirmed = True
            on_registered()
    return Ended(_("Stopped."), registered=confirmed, messages=count)


def _closed(
    registered_at: float | None, confirmed: bool, count: int, now: float, grace: float
) -> Ended:
    if registered_at is None:
        return Ended(
            _("VoipCenter closed the stream before it asked us to register (no serveroutput).")
        )
    if not confirmed and not count and now - registered_at < grace:
        return Ended(
            _(
                "VoipCenter closed the stream right after register: it refused the websocket "
                "user or key; check the websocket user on the PBX account and that the "
                "Websocket add-on is enabled."
            ),
            refused=True,
        )
    return Ended(_("VoipCenter closed the stream."), registered=True, messages=count)


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
