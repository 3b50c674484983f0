"""Settle calls from the PBX's own call history: what its live events missed.

A vendor whose adapter offers ``sync_calls`` (VoipCenter: get.php m=calls, see
calls/pbx/voipcenter/history.py) lists a day's calls in our words. Rules, so that
running it twice changes nothing:

* a listed call whose id we already hold (same project) is settled when our row is
  still open and the list says it ended (the stream missed its hangup), else left alone;
* else an outbound call we originated, with no vendor id yet, from the same extension
  to the same number within MATCH_WINDOW of the listed time, takes the id
  (and is settled the same way);
* else, once the vendor says it ended, the call is created with the vendor id.
  Calls still in progress are skipped: the next run picks them up.

Settling applies the listed call's hangup event through call_moves.apply_event, so the
state machine, the live pages and callbacks see it like a hangup from the stream; the
listed duration is the PBX's talk time. The beat runs it every SETTLE_EVERY seconds, so
no call stays open long after it ended. Created calls carry requested_at (the listed
start) and duration (talk seconds); answered_at and ended_at stay empty because the
list does not give them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from calls import states
from calls.events.call_moves import apply_event
from calls.models import Agent, Call, CallDirection, CallStatus, Project
from calls.pbx.base import Direction, HangupOutcome, HistoryCall, NotSupported, PbxError
from calls.pbx.for_project import adapter_for
from contacts.models import ContactPhone
from pbxportal.crypto import UndecryptableCredentials

log = logging.getLogger("calls.vendor_sync")

MATCH_WINDOW = timedelta(minutes=3)
SETTLE_EVERY = 60.0  # seconds between beat runs (pbxportal/settings.py)

_STATUS = {
    HangupOutcome.COMPLETED: CallStatus.COMPLETED,
    HangupOutcome.NO_ANSWER: CallStatus.NO_ANSWER,
    HangupOutcome.BUSY: CallStatus.BUSY,
    HangupOutcome.CANCELED: CallStatus.CANCELED,
    HangupOutcome.FAILED: CallStatus.FAILED,
}
# An inbound caller nobody took is missed, whatever the PBX calls it.
_MISSED = frozenset({HangupOutcome.NO_ANSWER, HangupOutcome.BUSY, HangupOutcome.CANCELED})


@dataclass(frozen=True)
class SyncResult:
    listed: int = 0
    created: int = 0
    matched: int = 0
    known: int = 0
    settled: int = 0
    skipped: int = 0


def sync_calls(project: Project, day: date) -> SyncResult:
    """Bring ``day``'s (UTC) calls of the project's PBX into its history; idempotent.
    Raises NotSupported when the vendor keeps no call history we can read."""
    history = adapter_for(project).sync_calls(day, project.region)
    counts = {"created": 0, "matched": 0, "known": 0, "settled": 0, "skipped": history.unreadable}
    with transaction.atomic():
        # One sync per project at a time: two concurrent runs must not both create a row.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        for listed in history.calls:
            counts[_reconcile(project, listed)] += 1
    return SyncResult(listed=len(history.calls) + history.unreadable, **counts)


def _reconcile(project: Project, listed: HistoryCall) -> str:
    known = Call.objects.filter(project=project, vendor_call_id=listed.vendor_call_id).first()
    if known is not None:
        return "settled" if _settle(project, known, listed) else "known"
    if listed.direction == Direction.OUTBOUND and (ours := _ours(project, listed)):
        _adopt(ours, listed)
        _settle(project, ours, listed)
        return "matched"
    if listed.hangup is None:
        return "skipped"
    _create(project, listed)
    return "created"


def _ours(project: Project, listed: HistoryCall) -> Call | None:
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


def _adopt(call: Call, listed: HistoryCall) -> None:
    call.vendor_call_id = listed.vendor_call_id
    call.save(update_fields=["vendor_call_id", "updated_at"])


def _settle(project: Project, call: Call, listed: HistoryCall) -> bool:
    """End our still-open ``call`` the way the list says it ended; False if nothing to do."""
    if listed.hangup is None or states.is_terminal(call.status):
        return False
    vendor = project.pbx_account.vendor
    return apply_event(project=project, vendor=vendor, event=listed.hangup).changed


def _ended_status(listed: HistoryCall, outcome: HangupOutcome) -> str:
    inbound = listed.direction == Direction.INBOUND
    return CallStatus.MISSED if inbound and outcome in _MISSED else _STATUS[outcome]


def _create(project: Project, listed: HistoryCall) -> None:
    agent = Agent.objects.filter(project=project, extension=listed.extension).first()
    phone = ContactPhone.objects.filter(project=project, number=listed.number).first()
    status = _ended_status(listed, listed.hangup.outcome)
    inbound = listed.direction == Direction.INBOUND
    call = Call.objects.create(
        project=project,
        agent=agent,
        contact_id=phone.contact_id if phone else None,
        direction=CallDirection.INBOUND if inbound else CallDirection.OUTBOUND,
        remote_number=listed.number,
        status=status,
        vendor_call_id=listed.vendor_call_id,
        duration=listed.talk_seconds if status == CallStatus.COMPLETED else None,
    )
    # requested_at is auto_now_add: set the vendor's start time in a second write.
    Call.objects.filter(pk=call.pk).update(requested_at=listed.started)


@shared_task(name="calls.sync_vendor_calls")
def sync_vendor_calls(days: int = 2) -> dict[str, int]:
    """Beat, every minute: today and yesterday (UTC) of every project whose PBX keeps a
    call history we can read; the others' adapters say NotSupported and are passed over."""
    today = timezone.now().astimezone(UTC).date()
    totals = {"projects": 0, "created": 0, "matched": 0, "settled": 0, "failed": 0}
    for project in Project.objects.select_related("pbx_account").all():
        for offset in range(days):
            try:
                result = sync_calls(project, today - timedelta(days=offset))
            except NotSupported:
                break
            except (PbxError, UndecryptableCredentials) as exc:
                log.warning("call sync of project %s failed: %s", project.pk, exc)
                totals["failed"] += 1
                totals["projects"] += offset == 0
                break
            totals["projects"] += offset == 0
            totals["created"] += result.created
            totals["matched"] += result.matched
            totals["settled"] += result.settled
    return totals
