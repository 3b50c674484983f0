"""VoipCenter's ``notify`` messages (its Socket.IO stream) in our words.

No public source shows a ``notify`` payload (voipcenter-hacs passes it on untouched),
so it is read defensively: each fact is looked for under several likely names, and a
message we cannot read becomes a MESSAGE or UNKNOWN event, kept in the webhook log and
never acted on. docs/vendors/voipcenter.md lists the names and states recognised.

The stream process stores each message as a webhook request with method ``WS`` and the
message as its JSON body; the event applier hands it here through the adapter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from calls.pbx.base import Direction, EventKind, HangupOutcome, NormalizedEvent

STREAM_METHOD = "WS"  # WebhookRequest.method of a message that came over the stream

# Each fact, under the names tried in this order.
STATE_KEYS = ("event", "state", "type", "action", "callstatus", "status")
CALL_ID_KEYS = ("callid", "call_id", "uniqueid", "linkedid", "id")
EXTENSION_KEYS = ("sipacc", "extension", "ext", "sipaccount", "username", "user", "agent")
CALLER_KEYS = ("caller", "from", "src", "callerid", "callerid_num", "cli")
CALLEE_KEYS = ("callee", "to", "dst", "destination", "telnr", "number", "called")
DIRECTION_KEYS = ("direction", "dir", "calltype")
OUTCOME_KEYS = ("hangupstatus", "disposition", "result", "outcome", "cause", "status")
TALK_KEYS = ("billsec", "talktime", "duration")
TIME_KEYS = ("timestamp", "time", "ts", "date")

# state word -> (kind, leg). An agent's own phone first rings and picks up (call.php
# rings the SIP account), then the PBX dials the customer, who answers.
STATES: dict[str, tuple[EventKind, str]] = {
    "ringing": (EventKind.DIAL_IN, "agent"),
    "ring": (EventKind.DIAL_IN, "agent"),
    "incoming": (EventKind.DIAL_IN, "agent"),
    "pickup": (EventKind.ANSWER, "agent"),
    "offhook": (EventKind.ANSWER, "agent"),
    "dialing": (EventKind.DIAL_OUT, "customer"),
    "calling": (EventKind.DIAL_OUT, "customer"),
    "outgoing": (EventKind.DIAL_OUT, "customer"),
    "answered": (EventKind.ANSWER, "customer"),
    "answer": (EventKind.ANSWER, "customer"),
    "connected": (EventKind.ANSWER, "customer"),
    "talking": (EventKind.ANSWER, "customer"),
    "up": (EventKind.ANSWER, "customer"),
    "hangup": (EventKind.HANGUP, ""),
    "hungup": (EventKind.HANGUP, ""),
    "ended": (EventKind.HANGUP, ""),
    "end": (EventKind.HANGUP, ""),
    "bye": (EventKind.HANGUP, ""),
}
OUTCOMES: dict[str, HangupOutcome] = {
    "answer": HangupOutcome.COMPLETED,
    "answered": HangupOutcome.COMPLETED,
    "completed": HangupOutcome.COMPLETED,
    "normal": HangupOutcome.COMPLETED,
    "busy": HangupOutcome.BUSY,
    "noanswer": HangupOutcome.NO_ANSWER,
    "no_answer": HangupOutcome.NO_ANSWER,
    "no answer": HangupOutcome.NO_ANSWER,
    "cancel": HangupOutcome.CANCELED,
    "canceled": HangupOutcome.CANCELED,
    "cancelled": HangupOutcome.CANCELED,
    "failed": HangupOutcome.FAILED,
    "congestion": HangupOutcome.FAILED,
    "chanunavail": HangupOutcome.FAILED,
}
DIRECTIONS = {
    "in": Direction.INBOUND,
    "inbound": Direction.INBOUND,
    "incoming": Direction.INBOUND,
    "out": Direction.OUTBOUND,
    "outbound": Direction.OUTBOUND,
    "outgoing": Direction.OUTBOUND,
}


def parse_notify(body: bytes) -> list[NormalizedEvent]:
    """The events of one stored ``notify`` message (a JSON object, or a list of them)."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return [_unknown(body, {"text": body.decode("utf-8", errors="replace")[:2000]})]
    items = data if isinstance(data, list) else [data]
    return [
        one(item) if isinstance(item, Mapping) else _unknown(body, {"value": item})
        for item in items
    ]


def one(message: Mapping[str, Any]) -> NormalizedEvent:
    """One notify object: a call event when its state is recognised, else a MESSAGE."""
    fields = {str(k).lower(): v for k, v in message.items()}
    call_id = _first(fields, CALL_ID_KEYS)
    state = _first(fields, STATE_KEYS).lower()
    kind, leg = STATES.get(state, (EventKind.MESSAGE, ""))
    leg = _first(fields, ("leg",)).lower() or leg
    if kind is not EventKind.MESSAGE and not call_id:
        kind = EventKind.UNKNOWN  # a call event we cannot tie to a call: kept, not applied
    direction = DIRECTIONS.get(_first(fields, DIRECTION_KEYS).lower())
    outcome = _outcome(fields, direction) if kind is EventKind.HANGUP else None
    return NormalizedEvent(
        kind=kind,
        dedupe_key=_dedupe_key(call_id, state, leg, message),
        vendor_call_id=call_id[:128],
        direction=direction,
        from_number=number(_first(fields, CALLER_KEYS))[:40],
        to_number=number(_first(fields, CALLEE_KEYS))[:40],
        extension=_first(fields, EXTENSION_KEYS)[:64],
        occurred_at=_time(_first(fields, TIME_KEYS)),
        outcome=outcome,
        reason=_first(fields, ("reason", "cause_text", "message"))[:200],
        leg=leg if leg in ("agent", "customer") else "",
        # Talk time only for a talk: a busy line's "0" is no duration, as our own clock says.
        talk_seconds=_talk(fields) if outcome is HangupOutcome.COMPLETED else None,
        raw=dict(message),
    )


def number(text: str) -> str:
    """VoipCenter writes numbers as international digits (3293456789): give them their '+'.
    National (0...) numbers and short extensions stay as they are."""
    if text.isdigit() and not text.startswith("0") and len(text) >= 8:
        return "+" + text
    return text


def _first(fields: Mapping[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = fields.get(name)
        if (
            isinstance(value, str | int | float)
            and not isinstance(value, bool)
            and str(value).strip()
        ):
            return str(value).strip()
    return ""


def _outcome(fields: Mapping[str, Any], direction: Direction | None) -> HangupOutcome:
    for name in OUTCOME_KEYS:
        word = str(fields.get(name) or "").strip().lower()
        if word in OUTCOMES:
            return OUTCOMES[word]
    # A hangup that names no outcome: talk time says whether anyone talked.
    return HangupOutcome.COMPLETED if _talk(fields) else HangupOutcome.NO_ANSWER


def _talk(fields: Mapping[str, Any]) -> int | None:
    text = _first(fields, TALK_KEYS)
    try:
        return max(int(float(text)), 0) if text else None
    except ValueError:
        return None


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dedupe_key(call_id: str, state: str, leg: str, message: Mapping[str, Any]) -> str:
    if call_id and state:
        return f"vcws:{call_id}:{state}:{leg}"[:255]
    return "vcws:msg:" + _digest(json.dumps(message, sort_keys=True, default=str).encode())


def _unknown(body: bytes, raw: dict[str, Any]) -> NormalizedEvent:
    return NormalizedEvent(kind=EventKind.UNKNOWN, dedupe_key="vcws:raw:" + _digest(body), raw=raw)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]
