"""VoipCenter's call list (get.php m=calls) read as our call history.

VoipCenter returns no call id when we originate and echoes none of ours in its events,
so its own list is how calls get their vendor id and how calls placed or taken outside
pbxportal reach the history (calls/events/history_sync.py settles them).

Rows are read defensively (the vendor document shows no reply; the field names follow
the sandbox and the public clients): callid/call_id/uniqueid, date (yyyymmdd, UTC),
time (HH:MM:SS), direction, sipacc, from, to, duration, status. A listed call that ended
carries a hangup event (dedupe key ``vchist:<id>:hangup``) with the listed duration as
the PBX's talk time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from calls.pbx.base import (
    CallHistory,
    Direction,
    EventKind,
    HangupOutcome,
    HistoryCall,
    NormalizedEvent,
)

SOURCE = "get.php m=calls"

_OUTCOMES = {
    "completed": HangupOutcome.COMPLETED,
    "answered": HangupOutcome.COMPLETED,
    "answer": HangupOutcome.COMPLETED,
    "no_answer": HangupOutcome.NO_ANSWER,
    "noanswer": HangupOutcome.NO_ANSWER,
    "busy": HangupOutcome.BUSY,
    "canceled": HangupOutcome.CANCELED,
    "cancelled": HangupOutcome.CANCELED,
    "failed": HangupOutcome.FAILED,
}


def call_history(rows: Iterable[dict[str, Any]], region: str) -> CallHistory:
    rows = list(rows)
    calls = tuple(c for c in (read_row(r, region) for r in rows) if c is not None)
    return CallHistory(calls=calls, unreadable=len(rows) - len(calls))


def read_row(row: dict[str, Any], region: str) -> HistoryCall | None:
    """One listed call in our words; None for a row without id or a readable time."""
    call_id = str(row.get("callid") or row.get("call_id") or row.get("uniqueid") or "").strip()
    try:
        started = datetime.strptime(
            f"{row.get('date', '')} {row.get('time', '')}", "%Y%m%d %H:%M:%S"
        ).replace(tzinfo=UTC)
    except ValueError:
        return None
    if not call_id:
        return None
    inbound = str(row.get("direction", "")).lower().startswith("in")
    other = str(row.get("from" if inbound else "to") or "")
    status = str(row.get("status", "")).lower().replace(" ", "_")
    try:
        duration = max(int(float(row.get("duration") or 0)), 0)
    except (TypeError, ValueError):
        duration = 0
    call_id = call_id[:128]
    return HistoryCall(
        vendor_call_id=call_id,
        started=started,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        extension=str(row.get("sipacc") or ""),
        number=vendor_number(other, region),
        talk_seconds=duration,
        hangup=_hangup(call_id, _OUTCOMES.get(status), status, duration),
    )


def _hangup(
    call_id: str, outcome: HangupOutcome | None, status: str, duration: int
) -> NormalizedEvent | None:
    """The end the list reports, as a hangup event; None while the call is in progress."""
    if outcome is None:
        return None
    return NormalizedEvent(
        kind=EventKind.HANGUP,
        dedupe_key=f"vchist:{call_id}:hangup",
        vendor_call_id=call_id,
        direction=None,
        outcome=outcome,
        reason="VoipCenter call history",
        talk_seconds=duration if outcome == HangupOutcome.COMPLETED else None,
        raw={"source": SOURCE, "status": status, "duration": duration},
    )


def vendor_number(digits: str, region: str) -> str:
    """VoipCenter writes numbers in international digits (3293456789), or nationally (0...)."""
    # Imported here: contacts.phones speaks through Django, and the adapter imports without it.
    from contacts.phones import try_normalize

    text = digits.strip()
    if text.isdigit() and not text.startswith("0"):
        found = try_normalize("+" + text, region)
        if found:
            return found
    return try_normalize(text, region) or text[:20]
