"""Reconcile VoipCenter's call list (get.php m=calls) with our Call rows.

VoipCenter returns no call id when we originate and echoes none of ours in its
events, so its own list is how calls get their vendor id and how calls placed or
taken outside pbxportal reach the history. Rules, so that running it twice
changes nothing:

* a listed call whose id we already hold (same project) is settled when our row is
  still open and the list says it ended (the stream missed its hangup), else left alone;
* else an outbound call we originated, with no vendor id yet, from the same SIP
  account to the same number within MATCH_WINDOW of the listed time, takes the id
  (and is settled the same way);
* else, once the vendor says it ended, the call is created with the vendor id.
  Calls still in progress are skipped: the next run picks them up.

Settling applies a hangup event (dedupe key ``vchist:<id>:hangup``) through
calls.event_service, so the state machine, the live pages and callbacks see it like a
hangup from the stream; the listed duration is the PBX's talk time. The beat runs it
every SETTLE_EVERY seconds, so no VoipCenter call stays open long after it ended.

Rows are read defensively (the vendor document shows no reply; the field names
follow the sandbox and the public clients): callid/call_id/uniqueid, date
(yyyymmdd, UTC), time (HH:MM:SS), direction, sipacc, from, to, duration, status.
Created calls carry requested_at (the listed start) and duration (talk seconds);
answered_at and ended_at stay empty because the list does not give them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from calls import states
from calls.adapters import adapter_for
from calls.event_service import apply_event
from calls.models import Agent, Call, CallDirection, CallStatus, Project, Vendor
from calls.pbx.base import EventKind, HangupOutcome, NormalizedEvent
from contacts.models import ContactPhone
from contacts.phones import try_normalize

log = logging.getLogger("calls.vendor_sync")

MATCH_WINDOW = timedelta(minutes=3)
SETTLE_EVERY = 60.0  # seconds between beat runs (pbxportal/settings.py)

# Our terminal status -> the hangup outcome that leads the state machine to it.
_HANGUP_OUTCOMES = {
    CallStatus.COMPLETED: HangupOutcome.COMPLETED,
    CallStatus.NO_ANSWER: HangupOutcome.NO_ANSWER,
    CallStatus.MISSED: HangupOutcome.NO_ANSWER,
    CallStatus.BUSY: HangupOutcome.BUSY,
    CallStatus.CANCELED: HangupOutcome.CANCELED,
    CallStatus.FAILED: HangupOutcome.FAILED,
}

_OUTCOMES = {
    "completed": CallStatus.COMPLETED,
    "answered": CallStatus.COMPLETED,
    "answer": CallStatus.COMPLETED,
    "no_answer": CallStatus.NO_ANSWER,
    "noanswer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "canceled": CallStatus.CANCELED,
    "cancelled": CallStatus.CANCELED,
    "failed": CallStatus.FAILED,
}


@dataclass(frozen=True)
class VendorCall:
    vendor_call_id: str
    started: datetime
    direction: str
    extension: str
    number: str  # E.164 of the other party, or the raw digits when they do not parse
    duration: int
    status: str | None  # our terminal status; None while the call is in progress


@dataclass(frozen=True)
class SyncResult:
    listed: int = 0
    created: int = 0
    matched: int = 0
    known: int = 0
    settled: int = 0
    skipped: int = 0


def read_row(row: dict[str, Any], region: str) -> VendorCall | None:
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
    status = _OUTCOMES.get(str(row.get("status", "")).lower().replace(" ", "_"))
    if inbound and status in (CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.CANCELED):
        status = CallStatus.MISSED
    try:
        duration = int(float(row.get("duration") or 0))
    except (TypeError, ValueError):
        duration = 0
    return VendorCall(
        vendor_call_id=call_id[:128],
        started=started,
        direction=CallDirection.INBOUND if inbound else CallDirection.OUTBOUND,
        extension=str(row.get("sipacc") or ""),
        number=vendor_number(other, region),
        duration=max(duration, 0),
        status=status,
    )


def vendor_number(digits: str, region: str) -> str:
    """VoipCenter writes numbers in international digits (3293456789), or nationally (0...)."""
    text = digits.strip()
    if text.isdigit() and not text.startswith("0"):
        found = try_normalize("+" + text, region)
        if found:
            return found
    return try_normalize(text, region) or text[:20]


def sync_calls(project: Project, day: date) -> SyncResult:
    """Bring ``day``'s (UTC) VoipCenter calls into the project's history; idempotent."""
    rows = adapter_for(project).list_calls(day)
    listed = [c for c in (read_row(r, project.region) for r in rows) if c is not None]
    counts = {
        "created": 0,
        "matched": 0,
        "known": 0,
        "settled": 0,
        "skipped": len(rows) - len(listed),
    }
    with transaction.atomic():
        # One sync per project at a time: two concurrent runs must not both create a row.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        for vendor_call in listed:
            counts[_reconcile(project, vendor_call)] += 1
    return SyncResult(listed=len(rows), **counts)


def _reconcile(project: Project, listed: VendorCall) -> str:
    known = Call.objects.filter(project=project, vendor_call_id=listed.vendor_call_id).first()
    if known is not None:
        return "settled" if _settle(project, known, listed) else "known"
    if listed.direction == CallDirection.OUTBOUND and (ours := _ours(project, listed)):
        _adopt(ours, listed)
        _settle(project, ours, listed)
        return "matched"
    if listed.status is None:
        return "skipped"
    _create(project, listed)
    return "created"


def _ours(project: Project, listed: VendorCall) -> Call | None:
    return (
        Call.objects.select_for_update(of=("self",))
        .filter(
            project=project,
            direction=CallDirection.OUTBOUND,
            vendor_call_id="",
            agent__extension=listed.extension,
            remote_number=listed.number,
            requested_at__range=(listed.started - MATCH_WINDOW, listed.started + MATCH_WINDOW),
        )
        .order_by("requested_at")
        .first()
    )


def _adopt(call: Call, listed: VendorCall) -> None:
    call.vendor_call_id = listed.vendor_call_id
    call.save(update_fields=["vendor_call_id", "updated_at"])


def _settle(project: Project, call: Call, listed: VendorCall) -> bool:
    """End our still-open ``call`` the way the list says it ended; False if nothing to do."""
    if listed.status is None or states.is_terminal(call.status):
        return False
    completed = listed.status == CallStatus.COMPLETED
    event = NormalizedEvent(
        kind=EventKind.HANGUP,
        dedupe_key=f"vchist:{listed.vendor_call_id}:hangup",
        vendor_call_id=listed.vendor_call_id,
        direction=None,
        outcome=_HANGUP_OUTCOMES[listed.status],
        reason="VoipCenter call history",
        talk_seconds=listed.duration if completed else None,
        raw={"source": "get.php m=calls", "status": listed.status, "duration": listed.duration},
    )
    return apply_event(project=project, vendor=Vendor.VOIPCENTER, event=event).changed


def _create(project: Project, listed: VendorCall) -> None:
    agent = Agent.objects.filter(project=project, extension=listed.extension).first()
    phone = ContactPhone.objects.filter(project=project, number=listed.number).first()
    call = Call.objects.create(
        project=project,
        agent=agent,
        contact_id=phone.contact_id if phone else None,
        direction=listed.direction,
        remote_number=listed.number,
        status=listed.status,
        vendor_call_id=listed.vendor_call_id,
        duration=listed.duration if listed.status == CallStatus.COMPLETED else None,
    )
    # requested_at is auto_now_add: set the vendor's start time in a second write.
    Call.objects.filter(pk=call.pk).update(requested_at=listed.started)


def voipcenter_projects() -> list[Project]:
    return list(
        Project.objects.select_related("pbx_account").filter(pbx_account__vendor=Vendor.VOIPCENTER)
    )


@shared_task(name="calls.sync_vendor_calls")
def sync_vendor_calls(days: int = 2) -> dict[str, int]:
    """Beat, every minute: today and yesterday (UTC) of every VoipCenter project."""
    from calls.pbx.base import PbxError

    today = timezone.now().astimezone(UTC).date()
    totals = {"projects": 0, "created": 0, "matched": 0, "settled": 0, "failed": 0}
    for project in voipcenter_projects():
        totals["projects"] += 1
        for offset in range(days):
            try:
                result = sync_calls(project, today - timedelta(days=offset))
            except PbxError as exc:
                log.warning("call sync of project %s failed: %s", project.pk, exc.message)
                totals["failed"] += 1
                break
            totals["created"] += result.created
            totals["matched"] += result.matched
            totals["settled"] += result.settled
    return totals
