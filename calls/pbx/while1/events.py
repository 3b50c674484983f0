"""While1 Voice "Send Events" (the project's ``sendEvent`` URL) turned into NormalizedEvents.

While1 calls our URL with GET query parameters and wants an empty 200 back. The
vendor wiki (``Send_Events``, EN and RO) documents answer events, missed calls and
``outgoing_end``, whose parameters it does not list: docs/vendors/while1.md says what
we assumed and why. Nothing here raises on a shape we do not know: an unknown event
is stored as UNKNOWN with its raw fields, never lost and never acted on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urlencode

from calls.pbx.base import (
    Direction,
    EventKind,
    HangupOutcome,
    InboundRequest,
    NormalizedEvent,
)
from calls.pbx.words import gettext_noop

ANSWER_EVENTS = frozenset({"queue_answer", "dial_answer", "call_forward_answer"})
INBOUND_END = "queue_answer_end"
MISSED = "missed_calls"
OUTBOUND_END = "outgoing_end"
KNOWN_EVENTS = ANSWER_EVENTS | {INBOUND_END, MISSED, OUTBOUND_END}

# outgoing_end's fields are undocumented: the first name present wins (docs/vendors/while1.md).
CALL_ID_NAMES = ("uniqueid", "unique_id", "linkedid", "call_id")
AGENT_NAMES = ("agent", "user", "username", "extension")
NUMBER_NAMES = ("telephone", "remote_number", "destination", "number", "caller_id", "dst")
# billsec is Asterisk's talk time; its "duration" counts the ringing too, so it comes last.
TALK_NAMES = ("billsec", "talk_seconds", "talk_time", "talktime", "duration")
STATUS_NAMES = ("disposition", "status", "dialstatus", "call_status", "hangup_status")

# Asterisk CDR dispositions and DIALSTATUS values, spaces and underscores removed.
OUTCOMES = {
    "ANSWERED": HangupOutcome.COMPLETED,
    "ANSWER": HangupOutcome.COMPLETED,
    "COMPLETED": HangupOutcome.COMPLETED,
    "BUSY": HangupOutcome.BUSY,
    "NOANSWER": HangupOutcome.NO_ANSWER,
    "CANCEL": HangupOutcome.CANCELED,
    "CANCELED": HangupOutcome.CANCELED,
    "CANCELLED": HangupOutcome.CANCELED,
    "FAILED": HangupOutcome.FAILED,
    "CONGESTION": HangupOutcome.FAILED,
    "CHANUNAVAIL": HangupOutcome.FAILED,
}

# Our sentences, kept in English here: the event is applied in the language the call
# was placed in (calls/events/call_moves.py); the PBX's own words pass through as written.
REASONS = {
    HangupOutcome.BUSY: gettext_noop("The customer's line was busy."),
    HangupOutcome.NO_ANSWER: gettext_noop("The customer did not answer."),
    HangupOutcome.FAILED: gettext_noop("The PBX could not place the call."),
}

# fail_reason values: only queue_hangup is documented; the others are Asterisk's QUEUESTATUS.
FAIL_REASONS = {
    "queue_hangup": gettext_noop("The caller hung up while waiting in the queue."),
    "queue_timeout": gettext_noop("Nobody in the queue answered in time."),
    "timeout": gettext_noop("The caller waited in the queue too long."),
    "full": gettext_noop("The queue was full."),
    "joinempty": gettext_noop("No agent was logged in to the queue."),
    "leaveempty": gettext_noop("Every agent left the queue while the caller waited."),
    "joinunavail": gettext_noop("No agent of the queue was available."),
    "leaveunavail": gettext_noop(
        "Every agent of the queue became unavailable while the caller waited."
    ),
}

_MAX_KEY = 190  # longer keys are hashed so they fit the unique column


def event_fields(request: InboundRequest) -> dict[str, str]:
    """Every parameter, first value each: the query string, then a form body over it."""
    fields: dict[str, str] = {}
    for source in (request.query, request.form):
        for name, values in source.items():
            if values:
                fields[name] = str(values[0])
    return fields


def is_while1_event(request: InboundRequest) -> bool:
    """A While1 GET carries ``event`` in its query; our generic JSON events come as a body."""
    return bool(request.query.get("event")) or (request.method == "GET" and not request.body)


def parse_events(request: InboundRequest) -> list[NormalizedEvent]:
    fields = event_fields(request)
    name = fields.get("event", "").strip().lower()
    key = dedupe_key(fields, name)
    if name in ANSWER_EVENTS:
        return [_answer(fields, key)]
    if name == INBOUND_END:
        return [_inbound_end(fields, key)]
    if name == MISSED:
        return [_missed(fields, key)]
    if name == OUTBOUND_END:
        return [_outbound_end(fields, key)]
    return [NormalizedEvent(kind=EventKind.UNKNOWN, dedupe_key=key, raw=fields)]


def dedupe_key(fields: Mapping[str, str], name: str) -> str:
    """The same GET again gives the same key; two events of one call never share one.

    The While1 project id keeps two PBXs' Asterisk ids apart; the agent keeps apart the
    answers of one call by two agents (a transfer). Without a call id the whole query counts.
    """
    call_id = _first(fields, CALL_ID_NAMES)
    if call_id:
        parts = ("w1", fields.get("project_id", ""), name, call_id, _first(fields, AGENT_NAMES))
        key = ":".join(parts)
        if len(key) <= _MAX_KEY:
            return key
    canonical = urlencode(sorted(fields.items())).encode()
    return f"w1:raw:{hashlib.sha256(canonical).hexdigest()[:40]}"


def _first(fields: Mapping[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        value = fields.get(name, "").strip()
        if value:
            return value
    return ""


def _direction(fields: Mapping[str, str], default: Direction) -> Direction:
    value = fields.get("direction", "").strip().upper()
    return {"IN": Direction.INBOUND, "OUT": Direction.OUTBOUND}.get(value, default)


def _common(fields: Mapping[str, str], key: str) -> dict:
    return {
        "dedupe_key": key,
        "vendor_call_id": _first(fields, CALL_ID_NAMES),
        "external_id": fields.get("external_id", "").strip(),
        "extension": _first(fields, AGENT_NAMES),
        "contact_id": fields.get("contact_id", "").strip(),
        "raw": dict(fields),
    }


def _answer(fields: Mapping[str, str], key: str) -> NormalizedEvent:
    """An agent answered an inbound call; ``direction=OUT`` (undocumented) is a customer
    answering our outbound call, so the card can show "Talking"."""
    direction = _direction(fields, Direction.INBOUND)
    number = _first(fields, NUMBER_NAMES)
    inbound = direction == Direction.INBOUND
    return NormalizedEvent(
        kind=EventKind.ANSWER,
        direction=direction,
        from_number=number if inbound else "",
        to_number=fields.get("dnid", "") if inbound else number,
        leg="agent" if inbound else "customer",
        **_common(fields, key),
    )


def _inbound_end(fields: Mapping[str, str], key: str) -> NormalizedEvent:
    return NormalizedEvent(
        kind=EventKind.HANGUP,
        direction=Direction.INBOUND,
        from_number=_first(fields, NUMBER_NAMES),
        to_number=fields.get("dnid", ""),
        outcome=HangupOutcome.COMPLETED,
        talk_seconds=_seconds(_first(fields, TALK_NAMES)),
        **_common(fields, key),
    )


def _missed(fields: Mapping[str, str], key: str) -> NormalizedEvent:
    return NormalizedEvent(
        kind=EventKind.HANGUP,
        direction=Direction.INBOUND,
        from_number=_first(fields, NUMBER_NAMES),
        to_number=fields.get("dnid", ""),
        outcome=HangupOutcome.NO_ANSWER,
        reason=missed_reason(fields),
        talk_seconds=0,
        **_common(fields, key),
    )


def missed_reason(fields: Mapping[str, str]) -> str:
    """explain_reason in the PBX's words when given, else fail_reason in ours."""
    explain = fields.get("explain_reason", "").strip()
    fail = fields.get("fail_reason", "").strip()
    if explain:
        return f"{explain} ({fail})" if fail else explain
    if fail:
        return FAIL_REASONS.get(fail.lower(), fail)
    return gettext_noop("Nobody answered.")


def _outbound_end(fields: Mapping[str, str], key: str) -> NormalizedEvent:
    status = _first(fields, STATUS_NAMES)
    outcome = OUTCOMES.get(status.upper().replace(" ", "").replace("_", ""))
    talk = _seconds(_first(fields, TALK_NAMES))
    if outcome is None and talk:
        outcome = HangupOutcome.COMPLETED
    if outcome is not None and outcome != HangupOutcome.COMPLETED:
        talk = 0  # a ringing time sent as "duration" is no talk time
    reason = fields.get("hangup_cause", "").strip() or REASONS.get(outcome, "") if outcome else ""
    return NormalizedEvent(
        kind=EventKind.HANGUP,
        direction=Direction.OUTBOUND,
        to_number=_first(fields, NUMBER_NAMES),
        outcome=outcome,
        reason=reason,
        talk_seconds=talk,
        leg="customer",
        **_common(fields, key),
    )


def _seconds(value: str) -> int | None:
    """Whole seconds from "42", "42.7" or "00:00:42"; None when absent or unreadable."""
    text = value.strip()
    if not text:
        return None
    try:
        if ":" in text:
            total = 0
            for part in text.split(":"):
                total = total * 60 + int(part)
            return max(total, 0)
        return max(round(float(text)), 0)
    except (ValueError, OverflowError):  # "nan", "inf" and other garbage
        return None
