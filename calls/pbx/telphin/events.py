"""Telphin extension events ("/extension/{id}/event/") turned into NormalizedEvents.

Telphin calls the URL registered per extension and event type, with the fields
form-encoded: in the query string for GET subscriptions, in the body for POST
ones (docs/vendors/telphin.md lists every field and where each mapping comes
from). Nothing here raises on a shape we do not know: an unknown event is
stored as UNKNOWN with its raw fields, never lost and never acted on.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from calls.pbx.allowlist import BadAllowlist, address_allowed, parse_ip_allowlist
from calls.pbx.base import (
    Direction,
    EventKind,
    HangupOutcome,
    InboundRequest,
    NormalizedEvent,
)
from calls.pbx.words import gettext_noop

KINDS = {
    "dial-in": EventKind.DIAL_IN,
    "dial-out": EventKind.DIAL_OUT,
    "answer": EventKind.ANSWER,
    "hangup": EventKind.HANGUP,
    "message-in": EventKind.MESSAGE,
    "message-out": EventKind.MESSAGE,
}

DIRECTIONS = {"in": Direction.INBOUND, "out": Direction.OUTBOUND}

# CallStatus on hangup is Asterisk's DIALSTATUS, as in 4PSA VoipNow, on which
# Telphin's event set is modelled.
OUTCOMES = {
    "ANSWER": HangupOutcome.COMPLETED,
    "BUSY": HangupOutcome.BUSY,
    "NOANSWER": HangupOutcome.NO_ANSWER,
    "CANCEL": HangupOutcome.CANCELED,
    "CONGESTION": HangupOutcome.FAILED,
    "CHANUNAVAIL": HangupOutcome.FAILED,
}

# Ours, in English: applied in the language the call was placed in (calls/events/call_moves.py).
REASONS = {
    "BUSY": gettext_noop("busy"),
    "NOANSWER": gettext_noop("no answer"),
    "CANCEL": gettext_noop("caller hung up before the answer"),
    "CONGESTION": gettext_noop(
        "congestion: the number was not recognised or the route is overloaded"
    ),
    "CHANUNAVAIL": gettext_noop("channel unavailable: the phone is not registered"),
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLAIN_HEX = re.compile(r"[0-9a-f]{32}")
# Longer keys are hashed so that they fit any reasonable unique column.
_MAX_KEY = 190


def event_fields(request: InboundRequest) -> dict[str, str]:
    """All event fields, first value each: query string first, body over it.

    The subscription URL may carry its own query (Telphin's docs add
    ``?myid=175``), so a POST delivery can have fields in both places. When
    the web layer did not decode a form body (wrong or missing content type)
    the raw body is decoded here, as Telphin always sends url-encoded data.
    """
    fields: dict[str, str] = {}
    for source in (request.query, request.form):
        for name, values in source.items():
            if values:
                fields[name] = str(values[0])
    if not request.form and request.body:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            text = request.body.decode("latin-1")
        for name, value in parse_qsl(text, keep_blank_values=True):
            fields.setdefault(name, value)
    return fields


def parse_time(value: str) -> datetime | None:
    """EventTime: microseconds since the Unix epoch, UTC.

    Seconds and milliseconds are accepted too (told apart by magnitude) so a
    change of unit at Telphin gives a right time instead of a year 50000 one.
    """
    try:
        number = int(value.strip())
    except (AttributeError, ValueError):
        return None
    if number <= 0:
        return None
    if number < 10**11:  # seconds until the year 5138
        micros = number * 1_000_000
    elif number < 10**14:  # milliseconds
        micros = number * 1_000
    else:
        micros = number
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None


def bare_extension(value: str) -> str:
    """'000*099@sipproxy.telphin.ru' -> '000*099' (Telphin's own advice)."""
    return value.split("@", 1)[0].strip()


def _owner_extension(fields: dict[str, str], flow: str) -> str:
    """The extension whose subscription fired: the callee for in, the caller for out."""
    if flow == "in":
        return bare_extension(fields.get("CalledExtension", ""))
    if flow == "out":
        return bare_extension(fields.get("CallerExtension", ""))
    return bare_extension(fields.get("CalledExtension") or fields.get("CallerExtension") or "")


def _leg(fields: dict[str, str], flow: str) -> str:
    """Whose phone this event is about, where the fields say so.

    A called extension means a PBX phone (an agent) is the one ringing; an
    outgoing flow to no extension is the external number (the customer). In a
    click-to-call the agent's own leg produces no events at all: Telphin
    skips an extension calling itself, so the first event is the dial-out to
    the customer.
    """
    if fields.get("CalledExtension"):
        return "agent"
    if flow == "out":
        return "customer"
    return ""


def _outcome(fields: dict[str, str]) -> tuple[HangupOutcome | None, str]:
    """Hangup outcome and reason.

    ``Bridged`` is sent on hangups from IVR and queue extensions: an IVR or
    queue "answers" every caller itself (CallStatus ANSWER), so only
    Bridged=no tells that no employee took the call.
    """
    status = fields.get("CallStatus", "").strip().upper()
    bridged = fields.get("Bridged", "").strip().lower()
    if bridged == "no":
        return HangupOutcome.NO_ANSWER, gettext_noop("nobody picked up (Bridged=no)")
    if bridged == "yes":
        return HangupOutcome.COMPLETED, ""
    return OUTCOMES.get(status), REASONS.get(status, status if status not in OUTCOMES else "")


def dedupe_key(fields: dict[str, str], extension: str) -> str:
    """The same for a re-sent event, different for any two events Telphin makes.

    CallID is shared by every leg of a call and SubCallID by the events of one
    leg; the owner extension and CallFlow tell apart the two subscriptions a
    single leg fires (caller side and callee side of an internal call, the
    "in" and "out" threads of a queue); EventTime separates a repeated
    attempt on the same leg (a queue ringing the same agent again). A
    redelivery of one event repeats all of these.
    """
    call_id = call_id_of(fields)
    if not call_id:
        canonical = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        return "telphin:raw:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]
    parts = (
        call_id,
        fields.get("SubCallID", ""),
        extension,
        fields.get("CallFlow", "").lower(),
        fields.get("EventType", ""),
        fields.get("EventTime", ""),
    )
    key = "telphin:" + ":".join(parts)
    if len(key) > _MAX_KEY:
        key = "telphin:h:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def plain_call_id(value: str) -> str:
    """Telphin's call id as the callback answers it: plain 32-hex, lower case.

    Live events write CallAPIID as ``<digits>-<the same hex as a dashed UUID>``
    (``3584709739-b5187f38-a9cc-43f2-ba06-8bce983a513e``); the callback reply and
    CallID use the plain hex. A shape we do not know is kept as it came.
    """
    value = value.strip()
    if _PLAIN_HEX.fullmatch(value.lower()):
        return value.lower()
    prefix, _, rest = value.partition("-")
    if prefix.isdigit() and rest:
        try:
            return uuid.UUID(rest).hex
        except ValueError:
            pass
    return value


def call_id_of(fields: dict[str, str]) -> str:
    """The id our Call keeps: CallID (shared by every leg, kept across transfers);
    CallAPIID, normalised, only when an event lacks CallID."""
    return plain_call_id(fields.get("CallID") or fields.get("CallAPIID") or "")


def talk_seconds(fields: dict[str, str], outcome: HangupOutcome | None) -> int | None:
    """Hangup ``Duration`` (microseconds) in whole seconds, for answered calls only.

    An unanswered hangup's Duration is ringing time, not talk: None lets the
    call keep no talk time rather than a wrong one.
    """
    if outcome is not HangupOutcome.COMPLETED:
        return None
    try:
        micros = int(fields.get("Duration", "").strip())
    except ValueError:
        return None
    return round(micros / 1_000_000) if micros >= 0 else None


def _numbers(fields: dict[str, str], flow: str) -> tuple[str, str]:
    """(from, to); after an in-call transfer RemoteNumber is the party on the line
    (Telphin's integration guide: read it rather than CallerIDNum)."""
    caller, called = fields.get("CallerIDNum", ""), fields.get("CalledNumber", "")
    remote = fields.get("RemoteNumber", "").strip()
    if remote and flow == "in":
        caller = remote
    elif remote and flow == "out":
        called = remote
    return caller, called


def _direction(fields: dict[str, str], flow: str) -> Direction | None:
    # A CallBackID marks a call started by the callback resource: ours, outbound,
    # even on a leg whose CallFlow is "in"; never a new inbound call.
    if fields.get("CallBackID", "").strip():
        return Direction.OUTBOUND
    return DIRECTIONS.get(flow)


def normalize(fields: dict[str, str]) -> NormalizedEvent:
    """One Telphin event (its decoded fields) in our words."""
    event_type = fields.get("EventType", "").strip().lower()
    kind = KINDS.get(event_type, EventKind.UNKNOWN)
    flow = fields.get("CallFlow", "").strip().lower()
    extension = _owner_extension(fields, flow)
    outcome, reason = _outcome(fields) if kind is EventKind.HANGUP else (None, "")
    caller, called = _numbers(fields, flow)
    return NormalizedEvent(
        kind=kind,
        dedupe_key=dedupe_key(fields, extension),
        vendor_call_id=call_id_of(fields),
        direction=_direction(fields, flow),
        from_number=caller,
        to_number=called,
        extension=extension,
        occurred_at=parse_time(fields.get("EventTime", "")),
        outcome=outcome,
        reason=reason,
        transferred=fields.get("Transfered", "").strip().lower() == "yes",
        leg=_leg(fields, flow) if kind is not EventKind.UNKNOWN else "",
        talk_seconds=talk_seconds(fields, outcome) if kind is EventKind.HANGUP else None,
        raw=dict(fields),
    )


def parse_events(request: InboundRequest) -> list[NormalizedEvent]:
    """Telphin sends one event per request; an empty request is one UNKNOWN."""
    fields: dict[str, Any] = event_fields(request)
    return [normalize(fields)]


def ip_allowed(address: str, allowed: Any) -> bool:
    """True when ``address`` is in one of ``allowed`` (addresses or networks), read by the
    one shared reading (calls/pbx/allowlist.py); a list that cannot be read allows no one."""
    try:
        return address_allowed(address, parse_ip_allowlist(allowed))
    except BadAllowlist:
        return False
