"""Webhook delivery: render each simulated call step in the account's event dialect and
POST (or GET) it, in order, retrying with backoff the way a real PBX does.

While1 accounts get While1's own GET events (sandbox/dialects/while1_events.py) unless
they say ``"events": "generic"``; those, VoipCenter and sandbox accounts get generic JSON
events (the format of calls/pbx/generic.py, re-implemented here) at their ``event_url``.
Telphin accounts get form-encoded events at the URLs registered through
``/extension/{id}/event/``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.dialects import while1_events
from sandbox.dialects.telphin_events import render_telphin
from sandbox.simulator import Call
from sandbox.web import mask_url

log = logging.getLogger("sandbox.events")

MAX_ATTEMPTS = 4
CONNECT_READ_TIMEOUT = 5.0  # urllib has one timeout for connect and each read
RETRY_STATUSES = {408, 425, 429}  # plus every 5xx: the receiver may succeed later

Targets = Callable[[Call, str], list[dict[str, Any]]]


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """``X-Pbx-Signature`` value: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def render_generic(call: Call, step: dict[str, Any], seq: int) -> dict[str, Any]:
    """One generic JSON event; VoipCenter's call.php has no external id, so it is null."""
    info = call.info
    payload = {
        "event_id": f"{call.id}-{seq}",
        "call_id": call.id,
        "external_id": info.get("external_id") or None,
        "event": step["event"],
        "leg": step["leg"],
        "direction": call.direction,
        "from": info.get("from", ""),
        "to": info.get("to", ""),
        "extension": str(info.get("agent", "")),
        "timestamp": iso(step["time"]),
    }
    if step["event"] == "hangup":
        payload["status"] = step["status"]
        payload["reason"] = step.get("reason", "")
    return payload


def _telphin_type(call: Call, step: dict[str, Any]) -> str:
    """Telphin event type; "" when Telphin sends nothing for this step.

    Outbound callbacks ring the owner extension itself, and Telphin's "calling
    itself" rule drops the events of that leg: only dial-out/answer/hangup remain.
    """
    if call.direction == "outbound" and step["leg"] == "agent" and step["event"] != "hangup":
        return ""
    return step["event"]


def _request(target: dict[str, Any]) -> urllib.request.Request:
    """Build a fresh request per attempt, so the signature timestamp is fresh too."""
    headers = {"User-Agent": "SandboxPBX/0.1"}
    url, data = target["url"], None
    if not url.startswith(("http://", "https://")):
        raise ValueError("webhook URLs must be http(s)")
    if target["format"] == "json":
        data = json.dumps(target["payload"], ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
        if target.get("secret"):
            headers["X-Pbx-Signature"] = sign(target["secret"], data, int(time.time()))
    elif target["method"] == "GET":
        joiner = "&" if "?" in url else "?"
        url = (
            url
            + (joiner if not url.endswith(("?", "&")) else "")
            + (urllib.parse.urlencode(target["payload"]))
        )
    else:
        data = urllib.parse.urlencode(target["payload"]).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    # The scheme was checked above: file:// and friends never reach urlopen.
    return urllib.request.Request(url, data=data, headers=headers, method=target["method"])  # noqa: S310


def _attempt(target: dict[str, Any]) -> dict[str, Any]:
    started = time.time()
    record: dict[str, Any] = {"at": started, "status": None, "error": ""}
    try:
        with urllib.request.urlopen(_request(target), timeout=CONNECT_READ_TIMEOUT) as reply:  # noqa: S310 - http(s) checked in _request
            reply.read(65536)
            record["status"] = reply.status
    except urllib.error.HTTPError as exc:
        record["status"] = exc.code
        record["error"] = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["ms"] = round((time.time() - started) * 1000, 1)
    return record


def deliver(target: dict[str, Any], backoff: float) -> None:
    """Send one event to one URL; retry on transport errors, 5xx, 408 and 429."""
    for number in range(1, MAX_ATTEMPTS + 1):
        record = _attempt(target)
        record["attempt"] = number
        target["attempts"].append(record)
        status = record["status"]
        if status is not None and 200 <= status < 300:
            target["ok"] = True
            return
        retry = status is None or status >= 500 or status in RETRY_STATUSES
        log.warning(
            "event to %s failed (%s)%s",
            mask_url(target["url"]),
            record["error"],
            ", retrying" if retry and number < MAX_ATTEMPTS else "",
        )
        if not retry or number == MAX_ATTEMPTS:
            return
        time.sleep(backoff * (2 ** (number - 1)))


class Outbox:
    """One worker per call: its events go out one after another, in the order emitted."""

    def __init__(self, backoff: float) -> None:
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._backoff = backoff
        threading.Thread(target=self._run, daemon=True, name="outbox").start()

    def put(self, target: dict[str, Any] | None) -> None:
        self._queue.put(target)

    def _run(self) -> None:
        while (target := self._queue.get()) is not None:
            deliver(target, self._backoff)


class Dispatcher:
    """``emit`` for the simulator: record each step on the call and queue its deliveries."""

    def __init__(self, telphin_targets: Targets, timing: Callable[[dict, str], float]) -> None:
        self._telphin_targets = telphin_targets
        self._timing = timing
        self._outboxes: dict[str, Outbox] = {}
        self._lock = threading.Lock()
        # VoipCenter's Socket.IO stream (sandbox/dialects/voipcenter_stream.py), when running.
        self.stream: Callable[[Call, dict[str, Any]], Any] | None = None

    def emit(self, call: Call, step: dict[str, Any]) -> None:
        seq = len(call.events) + 1
        targets, payload = self._targets(call, step, seq)
        with call.lock:
            call.events.append({"seq": seq, **step, "payload": payload, "deliveries": targets})
        if targets:
            outbox = self._outbox(call)
            for target in targets:
                outbox.put(target)
        if step["event"] == "hangup":
            self._close(call)

    def _targets(self, call: Call, step: dict[str, Any], seq: int) -> tuple[list, Any]:
        if call.dialect == "telphin":
            event_type = _telphin_type(call, step)
            if not event_type:
                return [], None
            payload = render_telphin(call, step)
            subs = self._telphin_targets(call, event_type)
            return [_target(s["url"], s["method"], "form", payload) for s in subs], payload
        if call.dialect == "voipcenter" and call.account.get("ws_user"):
            # Its stream replaces the generic webhook: VoipCenter has no webhooks.
            return [], self.stream(call, step) if self.stream else None
        if call.dialect == "while1" and while1_events.speaks_while1(call.account):
            return _while1_targets(call, step)
        payload = render_generic(call, step, seq)
        url = call.info.get("event_url") or call.account.get("event_url")
        if not url:
            return [], payload
        return [_target(url, "POST", "json", payload, call.account.get("signing_secret"))], payload

    def _outbox(self, call: Call) -> Outbox:
        with self._lock:
            if call.id not in self._outboxes:
                backoff = self._timing(call.account, "delivery_backoff")
                self._outboxes[call.id] = Outbox(backoff)
            return self._outboxes[call.id]

    def _close(self, call: Call) -> None:
        """The hangup is a call's last event: let its worker finish and exit."""
        with self._lock:
            outbox = self._outboxes.pop(call.id, None)
        if outbox is not None:
            outbox.put(None)


def _while1_targets(call: Call, step: dict[str, Any]) -> tuple[list, Any]:
    """While1's own GET events (sandbox/dialects/while1_events.py), at the account's URL."""
    payload = while1_events.render(call, step)
    url = call.account.get("event_url")
    if payload is None or not url:
        return [], payload
    return [_target(url, "GET", "form", payload)], payload


def _target(url: str, method: str, fmt: str, payload: Any, secret: str | None = None) -> dict:
    return {
        "url": url,
        "method": method.upper(),
        "format": fmt,
        "payload": payload,
        "secret": secret or "",
        "ok": False,
        "attempts": [],
    }
