"""How the idle applier (applier.py) learns that a webhook request was stored.

On PostgreSQL it LISTENs on the channel a trigger NOTIFYs at every stored request
(migration 0013), so an event is applied the moment its INSERT commits: polling every
25 ms cost 40 queries a second per applier and 12 ms of waiting on average. It still
looks every WEBHOOK_APPLY_FALLBACK_SECONDS in case a notification was missed, and
while it cannot listen (the database restarted) it polls as on SQLite, every
WEBHOOK_APPLY_POLL_SECONDS, and tries to listen again every RELISTEN_SECONDS.
"""

from __future__ import annotations

import logging
import threading
from time import monotonic

import psycopg
from django.conf import settings
from django.db import connection

log = logging.getLogger("calls.webhooks")

CHANNEL = "pbxportal_webhooks"
RELISTEN_SECONDS = 5.0
STOP_CHECK = 0.25  # the longest a stop request waits


class WakeUps:
    def __init__(self, poll: float) -> None:
        self.poll = poll
        self._listener = None
        self._next_try = 0.0

    def wait(self, stop: threading.Event) -> None:
        """Return when a request may be waiting, after the poll interval, or on stop."""
        if self._listener is None and connection.vendor == "postgresql" and self._listen():
            return  # listening now: look once more for what came before the LISTEN
        listener = self._listener
        if listener is None:
            stop.wait(self.poll)
            return
        deadline = monotonic() + settings.WEBHOOK_APPLY_FALLBACK_SECONDS
        try:
            while not stop.is_set() and (left := deadline - monotonic()) > 0:
                for _ in listener.notifies(timeout=min(left, STOP_CHECK), stop_after=1):
                    return
        except psycopg.Error as exc:  # the connection is gone: poll until it is back
            log.warning("event applier: stopped listening (%s); polling", exc)
            self.close()

    def _listen(self) -> bool:
        if monotonic() < self._next_try:
            return False
        self._next_try = monotonic() + RELISTEN_SECONDS
        try:
            params = {"connect_timeout": 5, **connection.get_connection_params()}
            listener = psycopg.connect(**params, autocommit=True)
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.warning("event applier: cannot listen (%s); polling", exc)
            return False
        self._listener = listener
        return True

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
