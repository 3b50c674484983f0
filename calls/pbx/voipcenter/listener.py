"""The VoipCenter stream process (``manage.py listen_voipcenter``): one Socket.IO
connection per VoipCenter account that has a websocket user.

Each ``notify`` message is stored as it came in the webhook log (``WebhookRequest``,
vendor voipcenter, method WS, queued), so the event applier parses and applies it like
any webhook. Each connection's state and last error are kept on the account's
``EventStream`` for the admin. Accounts added, changed or removed are picked up every
REFRESH seconds; a connection that ends is reconnected after a capped backoff, with a
fresh key. What the stream misses is settled from the call history
(calls/events/history_sync.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from calls.models import (
    Agent,
    EventStream,
    PbxAccount,
    Project,
    StreamState,
    Vendor,
    WebhookRequest,
    WebhookVerdict,
)
from calls.pbx.base import PbxConfig, PbxError
from calls.pbx.redact import redact
from calls.pbx.voipcenter import VoipCenterAdapter
from calls.pbx.voipcenter.notify import STREAM_METHOD
from calls.pbx.voipcenter.stream import Ended, listen
from pbxportal.crypto import UndecryptableCredentials

log = logging.getLogger("calls.voipcenter_stream")

REFRESH = 10.0  # seconds between looks at the accounts
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 60.0
STEADY = 30.0  # a session that lasted this long resets the backoff


def backoff(attempt: int, cap: float = BACKOFF_CAP) -> float:
    """Seconds before reconnect attempt ``attempt`` (1, 2, ...): doubling, capped, jittered."""
    base = min(cap, BACKOFF_FIRST * 2 ** max(attempt - 1, 0))
    return base * random.uniform(0.8, 1.0)


def wanted_accounts() -> dict[int, str]:
    """VoipCenter accounts with a websocket user -> a fingerprint of what they connect with."""
    found = {}
    for account in PbxAccount.objects.filter(vendor=Vendor.VOIPCENTER):
        try:
            creds = account.credentials
        except UndecryptableCredentials:
            continue
        if str(creds.get("ws_user") or "").strip():
            # Only in memory: tells a changed account from an unchanged one.
            data = json.dumps([account.base_url, creds], sort_keys=True).encode()
            found[account.pk] = hashlib.sha256(data).hexdigest()
    return found


def adapter_of(account: PbxAccount) -> VoipCenterAdapter:
    return VoipCenterAdapter(PbxConfig(base_url=account.base_url, credentials=account.credentials))


def record(account_id: int, state: str, error: str | None = None) -> None:
    """Write the stream's state (and ``error``, when given) for the admin to read."""
    now = timezone.now()
    stream, _ = EventStream.objects.get_or_create(account_id=account_id)
    fields = []
    if stream.state != state or stream.state_since is None:
        stream.state, stream.state_since = state, now
        fields += ["state", "state_since"]
    if error is not None:
        stream.last_error, stream.last_error_at = redact(error)[:2000], now
        fields += ["last_error", "last_error_at"]
    if fields:
        stream.save(update_fields=fields)


def store_notify(account: PbxAccount, message: Any) -> WebhookRequest | None:
    """Keep one notify message, raw, in the webhook log of the project it belongs to."""
    body = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    EventStream.objects.filter(account=account).update(
        messages=F("messages") + 1, last_message_at=timezone.now()
    )
    project = project_for(account, message)
    if project is None:
        log.warning("VoipCenter account %s has no project: stream message not kept", account.pk)
        return None
    return WebhookRequest.objects.create(
        project=project,
        vendor=Vendor.VOIPCENTER,
        method=STREAM_METHOD,
        headers={"content-type": "application/json"},
        body=redact(body.replace("\x00", "\ufffd")),  # PostgreSQL stores no NUL in text
        verdict=WebhookVerdict.QUEUED,
    )


def project_for(account: PbxAccount, message: Any) -> Project | None:
    """The account's project whose agent has the message's SIP account, else its first.

    One project per message: event dedupe keys are per vendor, so a copy stored for a
    second project would be a repeat there and never applied.
    """
    projects = Project.objects.filter(pbx_account=account).order_by("pk")
    if isinstance(message, dict):
        extension = str(message.get("sipacc") or message.get("extension") or "")
        agent = Agent.objects.filter(project__in=projects, extension=extension).first()
        if extension and agent is not None:
            return agent.project
    return projects.first()


class AccountStream(threading.Thread):
    """Keeps one account's stream open until stopped; reconnects with backoff."""

    def __init__(self, account_id: int, session: Callable[..., Ended] = listen) -> None:
        super().__init__(name=f"voipcenter-stream-{account_id}", daemon=True)
        self.account_id = account_id
        self.stop = threading.Event()
        self._session = session

    def run(self) -> None:
        attempt = 0
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    ended = self._once()
                except Exception as exc:  # the database, mostly: retried like a lost stream
                    log.exception("VoipCenter account %s stream failed", self.account_id)
                    close_old_connections()
                    ended = Ended(
                        gettext("pbxportal could not keep a message: %(error)s")
                        % {"error": type(exc).__name__}
                    )
                if self.stop.is_set():
                    break
                attempt = 1 if time.monotonic() - started >= STEADY else attempt + 1
                state = (
                    StreamState.FAILED
                    if ended.refused or not ended.registered
                    else (StreamState.DISCONNECTED)
                )
                record(self.account_id, state, ended.reason)
                log.info("VoipCenter account %s stream: %s", self.account_id, ended.reason)
                self.stop.wait(backoff(attempt))
        finally:
            connection.close()

    def _once(self) -> Ended:
        close_old_connections()
        account = PbxAccount.objects.filter(pk=self.account_id).first()
        if account is None:
            return Ended(gettext("The PBX account is gone."))
        record(self.account_id, StreamState.CONNECTING)
        try:
            login = adapter_of(account).stream_login()
        except PbxError as exc:
            return Ended(exc.message)
        except UndecryptableCredentials as exc:
            return Ended(str(exc))
        return self._session(
            login,
            lambda message: store_notify(account, message),
            self.stop,
            on_registered=lambda: record(self.account_id, StreamState.CONNECTED),
        )


class Listener:
    """Starts, restarts and stops the AccountStreams as the accounts change."""

    def __init__(self, session: Callable[..., Ended] = listen) -> None:
        self._session = session
        self.streams: dict[int, tuple[str, AccountStream]] = {}

    def refresh(self) -> None:
        wanted = wanted_accounts()
        for account_id, (fingerprint, stream) in list(self.streams.items()):
            if wanted.get(account_id) != fingerprint or not stream.is_alive():
                self._end(account_id)
        for account_id, fingerprint in wanted.items():
            if account_id not in self.streams:
                stream = AccountStream(account_id, self._session)
                self.streams[account_id] = (fingerprint, stream)
                stream.start()
        stale = EventStream.objects.exclude(account_id__in=wanted).exclude(state=StreamState.OFF)
        stale.update(state=StreamState.OFF, state_since=timezone.now())

    def _end(self, account_id: int) -> None:
        _, stream = self.streams.pop(account_id)
        stream.stop.set()
        stream.join(timeout=5)

    def run(self, stop: threading.Event, every: float = REFRESH) -> None:
        try:
            while not stop.is_set():
                try:
                    self.refresh()
                except Exception:  # the database went away: look again later
                    log.exception("VoipCenter stream: could not read the accounts")
                    connection.close()
                stop.wait(every)
        finally:
            for account_id in list(self.streams):
                self._end(account_id)
                record(account_id, StreamState.DISCONNECTED, gettext("The stream process stopped."))
