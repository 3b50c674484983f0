"""The generic JSON call event: our own documented format (docs/webhooks.md).

For PBXs that have no event dialect of their own (While1 Voice and VoipCenter
document none) and for the sandbox PBX. One JSON object per request, or a list:

    {"event_id": "sbx-41-3", "call_id": "sbx-41", "external_id": "<our uuid>|null",
     "event": "dial-in|dial-out|answer|hangup", "leg": "agent|customer",
     "direction": "outbound|inbound", "from": "+40212345678", "to": "+40722000111",
     "extension": "101", "status": "completed|no_answer|busy|failed|canceled",
     "reason": "free text", "timestamp": "2026-11-27T18:00:00.123456Z"}

Optional signature, when the project has a signing secret:
``X-Pbx-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``,
accepted within SIGNATURE_WINDOW seconds of our clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from calls.pbx.base import (
    Direction,
    EventKind,
    HangupOutcome,
    InboundRequest,
    NormalizedEvent,
    SampleEvent,
    WebhookAuthError,
)

SIGNATURE_HEADER = "x-pbx-signature"
SIGNATURE_WINDOW = 300

_KINDS = {
    "dial-in": EventKind.DIAL_IN,
    "dial-out": EventKind.DIAL_OUT,
    "answer": EventKind.ANSWER,
    "hangup": EventKind.HANGUP,
}


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on ``body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, request: InboundRequest, now: float | None = None) -> None:
    header = request.headers.get(SIGNATURE_HEADER, "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise WebhookAuthError("missing or malformed signature header") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_WINDOW:
        raise WebhookAuthError("signature timestamp outside the accepted window (replay?)")
    expected = sign(secret, request.body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise WebhookAuthError("signature does not match the body")


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _choice(choices: type[Enum], value: Any) -> Any:
    """``value`` as one of ``choices``, else None (a list or an object included)."""
    if not isinstance(value, str):
        return None
    try:
        return choices(value)
    except ValueError:
        return None


def _one(item: dict[str, Any]) -> NormalizedEvent:
    kind = _KINDS.get(str(item.get("event", "")), EventKind.UNKNOWN)
    call_id = str(item.get("call_id") or "")
    leg = str(item.get("leg") or "")
    event_id = str(item.get("event_id") or f"{call_id}:{leg}:{item.get('event')}")
    direction = item.get("direction")
    status = item.get("status")
    return NormalizedEvent(
        kind=kind,
        dedupe_key=event_id,
        vendor_call_id=call_id,
        external_id=str(item.get("external_id") or ""),
        direction=_choice(Direction, direction),
        from_number=str(item.get("from") or ""),
        to_number=str(item.get("to") or ""),
        extension=str(item.get("extension") or ""),
        occurred_at=_parse_time(item.get("timestamp")),
        outcome=_choice(HangupOutcome, status),
        reason=str(item.get("reason") or ""),
        leg=leg,
        raw=item,
    )


def parse_events(request: InboundRequest) -> list[NormalizedEvent]:
    """Turn a generic JSON body into events; a shape we do not know gives UNKNOWN."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        data = None
    items = data if isinstance(data, list) else [data]
    events = []
    for item in items:
        if isinstance(item, dict):
            events.append(_one(item))
        else:
            digest = hashlib.sha256(request.body).hexdigest()[:32]
            events.append(NormalizedEvent(kind=EventKind.UNKNOWN, dedupe_key=f"raw:{digest}"))
    return events


class GenericEvents:
    """Mixin for adapters whose PBX sends our generic JSON events."""

    def validate_request(self, request: InboundRequest) -> None:
        secret = self.config.settings.get("webhook_signing_secret")  # type: ignore[attr-defined]
        if secret:
            verify_signature(secret, request)

    def parse_events(self, request: InboundRequest) -> list[NormalizedEvent]:
        return parse_events(request)

    def sample_event(self, event_id: str) -> SampleEvent:
        """An event of a kind no call knows ("test"), signed when the project signs."""
        payload = {
            "event_id": event_id,
            "call_id": event_id,
            "event": "test",
            "test": True,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        secret = self.config.settings.get("webhook_signing_secret")  # type: ignore[attr-defined]
        if secret:
            headers["X-Pbx-Signature"] = sign(str(secret), body, int(time.time()))
        return SampleEvent(headers=headers, body=body)
