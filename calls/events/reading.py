"""Step 3, read: a stored request becomes events, bounded and cleaned before any call moves.

The webhook log keeps the request exactly as it came; ``read_events`` rebuilds it, bounds
it before the vendor's adapter parses it (``bounded_body``) and cleans what the adapter
returns (``cleaned_event``), for every vendor at once.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from calls.events.projects import inbound_adapter
from calls.models import WebhookRequest
from calls.pbx.base import InboundRequest, NormalizedEvent

# Bodies a PBX sends are a few kilobytes, nested two or three levels.
MOST_BODY_BYTES = 1024 * 1024
MOST_NESTING = 32
MOST_CALL_ID = 128  # Call.vendor_call_id's width: PostgreSQL refuses a longer one
MOST_TALK_SECONDS = 2**31 - 1  # Call.duration's range
LARGEST_ID = 2**63 - 1  # ids are 64-bit in the database
# A PBX's clock may be wrong by years, never by centuries.
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_EVENT = datetime(2200, 1, 1, tzinfo=UTC)

# C0 and C1 control characters (NUL included) and DEL: never part of a number or a name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(NormalizedEvent) if f.type in ("str", str))


class UnreadableRequest(ValueError):
    """The stored request is too large or too deeply nested to be read as events."""


def read_events(entry: WebhookRequest) -> list[NormalizedEvent]:
    """The events of a stored request, as its vendor's adapter reads them: the body bounded
    before, control characters out of the events after (the log keeps the request as it
    came)."""
    inbound = inbound_from_entry(entry)
    bounded_body(inbound.body)
    return [cleaned_event(event) for event in inbound_adapter(entry.project).parse_events(inbound)]


def inbound_from_entry(entry: WebhookRequest) -> InboundRequest:
    """The request as the adapter saw it, rebuilt from the log (secrets stay masked)."""
    form_encoded = entry.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    return InboundRequest(
        method=entry.method,
        path="(stored)",
        query=parse_qs(entry.query, keep_blank_values=True),
        form=parse_qs(entry.body, keep_blank_values=True) if form_encoded else {},
        body=entry.body.encode(),
        headers=dict(entry.headers),
        remote_addr=entry.remote_addr or "",
    )


def bounded_body(body: bytes) -> bytes:
    """``body``, or UnreadableRequest when reading it could exhaust the applier (a JSON
    body nested thousands deep makes json.loads raise RecursionError)."""
    if len(body) > MOST_BODY_BYTES:
        raise UnreadableRequest(
            f"the body has {len(body)} bytes; at most {MOST_BODY_BYTES} are read"
        )
    # Counting brackets first keeps the usual few-kilobyte body off the full scan.
    brackets = body.count(b"[") + body.count(b"{")
    if (
        brackets > MOST_NESTING
        and body.lstrip()[:1] in (b"{", b"[")
        and nesting_depth(body) > MOST_NESTING
    ):
        raise UnreadableRequest(f"the body nests deeper than {MOST_NESTING} levels")
    return body


def nesting_depth(body: bytes) -> int:
    """How deep JSON brackets nest in ``body`` (strings skipped), without recursion."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def cleaned_text(value: str) -> str:
    return _CONTROL.sub("", value)


def cleaned_event(event: NormalizedEvent) -> NormalizedEvent:
    """The event with control characters and NUL taken out of its text fields, its call id
    cut to the column's width, a time, talk time or contact id no column can hold dropped, and
    its raw payload made storable: no NUL (PostgreSQL stores
    none in text or JSON), no Infinity or NaN (Python's json reads them; JSON has none)."""
    changes: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = getattr(event, name)
        if isinstance(value, str) and _CONTROL.search(value):
            changes[name] = cleaned_text(value)
    call_id = changes.get("vendor_call_id", event.vendor_call_id)
    if len(call_id) > MOST_CALL_ID:
        changes["vendor_call_id"] = call_id[:MOST_CALL_ID]
    if event.talk_seconds is not None and not 0 <= event.talk_seconds <= MOST_TALK_SECONDS:
        changes["talk_seconds"] = None  # no call lasts that long: our own clock counts
    if event.occurred_at is not None and not _plausible(event.occurred_at):
        changes["occurred_at"] = None  # year 1 or 9999 overflows in UTC: taken as unknown
    contact_id = changes.get("contact_id", event.contact_id)
    if contact_id and not _is_id(contact_id):
        changes["contact_id"] = ""  # "²" is a digit to str.isdigit(), not to int()
    if _unstorable(event.raw):
        changes["raw"] = _storable(event.raw)
    return dataclasses.replace(event, **changes) if changes else event


def _plausible(moment: datetime) -> bool:
    earliest, latest = EARLIEST_EVENT, LATEST_EVENT
    if moment.tzinfo is None:
        earliest, latest = earliest.replace(tzinfo=None), latest.replace(tzinfo=None)
    return earliest <= moment <= latest


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= LARGEST_ID


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _storable(value: Any) -> Any:
    """``value`` with NUL removed from every string in it and non-finite numbers written as
    the text they came as. Depth is bounded by ``bounded_body`` before anything is parsed."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
