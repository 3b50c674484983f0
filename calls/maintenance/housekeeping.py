"""Periodic care: close calls the PBX never finished, flag PBXs that went silent, keep
the webhook log to its last days and report events the applier has not taken.

A PBX that drops a hangup event must not leave an agent "on a call" forever:
calls with no news for too long are closed with a reason a person can read
(``ended_by=system``). The agent does not wait for this: the call card offers
"I've hung up" (calls/outbound/hangup.py); this closes the calls nobody ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import live, states
from calls.callbacks import services as callbacks
from calls.models import Call, CallDirection, CallStatus, EndedBy, Project, WebhookRequest
from calls.outbound import call_language
from calls.outbound.originate import ORIGINATE_MAX_AGE, too_late_reason
from calls.outbound.tasks import originate

log = logging.getLogger(__name__)

RINGING = (
    CallStatus.ORIGINATING,
    CallStatus.AGENT_RINGING,
    CallStatus.CUSTOMER_RINGING,
    CallStatus.RINGING,
)


@dataclass(frozen=True)
class Closed:
    ringing: int
    answered: int
    queued: int = 0


def close_stuck_calls(now: datetime | None = None) -> Closed:
    now = now or timezone.now()
    ringing_cutoff = now - timedelta(minutes=settings.STUCK_RINGING_MINUTES)
    answered_cutoff = now - timedelta(hours=settings.STUCK_ANSWERED_HOURS)
    ringing = Call.objects.filter(status__in=RINGING, updated_at__lt=ringing_cutoff)
    answered = Call.objects.filter(status=CallStatus.ANSWERED, updated_at__lt=answered_cutoff)
    # Too old to ring (the originate task refuses them too): the workers were down or the
    # broker lost the message. Left queued, the agent could not call again.
    queued = Call.objects.filter(status=CallStatus.QUEUED, requested_at__lt=now - ORIGINATE_MAX_AGE)
    return Closed(*(_close_all(calls, now) for calls in (ringing, answered, queued)))


def _close_all(calls, now: datetime, closing=None) -> int:
    return sum(_close(calls, pk, now, closing) for pk in calls.values_list("pk", flat=True))


def _close(calls, call_id: int, now: datetime, closing=None) -> bool:
    with transaction.atomic():
        # the same filter again under the lock: a call that moved on since is left alone
        call = calls.select_for_update().filter(pk=call_id).first()
        if call is None or states.is_terminal(call.status):
            return False  # an event or the worker got there first
        with call_language.speaking(call):
            call.status, call.failure_reason = (closing or _closing)(call)
        call.ended_at = call.ended_at or now
        # ended here, not by the PBX: a late hangup from it still corrects the times
        call.ended_by = EndedBy.SYSTEM
        call.save(update_fields=["status", "failure_reason", "ended_at", "ended_by", "updated_at"])
        callbacks.on_call_finished(call)  # a missed inbound call still gets its callback
    log.warning("call %s closed by housekeeping: %s", call_id, call.failure_reason)
    live.publish(call)
    return True


def _closing(call: Call) -> tuple[str, str]:
    """The status a stuck call ends in and why, for the agent."""
    quiet_since = {"t": timezone.localtime(call.updated_at).strftime("%H:%M")}
    if call.status == CallStatus.ANSWERED:
        # Talk time is unknown without the hangup: better none than a wrong one.
        reason = _("The PBX never reported the end of this call (last news at %(t)s).")
        return CallStatus.COMPLETED, reason % quiet_since
    if call.status == CallStatus.ORIGINATING:
        reason = _("The PBX never confirmed this call (asked at %(t)s); it may not have rung.")
        return CallStatus.FAILED, reason % quiet_since
    if call.status == CallStatus.QUEUED:
        if call.failure_reason:  # an attempt failed and its retry never ran
            return CallStatus.FAILED, too_late_reason(call)
        asked = {"t": timezone.localtime(call.requested_at).strftime("%H:%M")}
        reason = _(
            "No worker took this call from the call queue (asked at %(t)s); it was not placed."
        )
        return CallStatus.FAILED, reason % asked
    inbound = call.direction == CallDirection.INBOUND
    reason = _("No news from the PBX since %(t)s; closed as unanswered.")
    return (CallStatus.MISSED if inbound else CallStatus.NO_ANSWER), reason % quiet_since


@dataclass(frozen=True)
class Recovered:
    resent: int
    failed: int


def recover_lost_originates(now: datetime | None = None) -> Recovered:
    """Calls whose originate message was lost (its worker killed, the broker lost it),
    every LOST_ORIGINATE_SWEEP_SECONDS:

    - still queued after ORIGINATE_RESEND_SECONDS: sent again. Safe: only a queued call
      can be claimed, so a second message for it does nothing;
    - originating for ORIGINATE_ORPHANED_SECONDS (longer than one PBX request may take):
      never sent again, the PBX may have rung; failed with what the agent should do;
    - queued past ORIGINATE_MAX_AGE: too old to ring, failed (as close_stuck_calls does,
      but within a minute).
    """
    now = now or timezone.now()
    oldest = now - ORIGINATE_MAX_AGE
    orphaned = Call.objects.filter(
        status=CallStatus.ORIGINATING,
        updated_at__lt=now - timedelta(seconds=settings.ORIGINATE_ORPHANED_SECONDS),
    )
    too_old = Call.objects.filter(status=CallStatus.QUEUED, requested_at__lt=oldest)
    failed = _close_all(orphaned, now, _orphaned) + _close_all(too_old, now)
    # updated_at: a call put back for a retry (at most 8 s later) is not lost
    lost = Call.objects.filter(
        status=CallStatus.QUEUED,
        requested_at__gte=oldest,
        updated_at__lt=now - timedelta(seconds=settings.ORIGINATE_RESEND_SECONDS),
    )
    resent = [pk for pk in lost.values_list("pk", flat=True) if _send_again(pk)]
    return Recovered(resent=len(resent), failed=failed)


def _send_again(call_id: int) -> bool:
    try:
        originate.delay(call_id)
    except Exception as exc:  # the broker is down: the next sweep tries again
        log.error("call %s still queued, its originate not sent again: %s", call_id, exc)
        return False
    log.warning("call %s still queued: its originate message was lost, sent again", call_id)
    return True


def _orphaned(call: Call) -> tuple[str, str]:
    asked = {"t": timezone.localtime(call.updated_at).strftime("%H:%M:%S")}
    reason = _(
        "Our call worker stopped while it was placing this call (asked at %(t)s). The PBX "
        "may have rung you: check your phone before calling again."
    )
    return CallStatus.FAILED, reason % asked


def flag_silent_pbxs(now: datetime | None = None) -> list[Project]:
    """Flag projects whose PBX sent nothing after a call that had PBX_SILENCE_MINUTES to ring.

    The flag clears itself as soon as the PBX is heard from again.
    """
    now = now or timezone.now()
    ripe = now - timedelta(minutes=settings.PBX_SILENCE_MINUTES)
    flagged = []
    # The newest log row per project through the (project, -received_at) index, not an
    # aggregate over the whole log.
    newest = WebhookRequest.objects.filter(project=OuterRef("pk")).order_by("-received_at")
    for project in Project.objects.annotate(last_heard=Subquery(newest.values("received_at")[:1])):
        waiting = (
            Call.objects.filter(
                project=project, requested_at__lte=ripe, requested_at__gte=ripe - timedelta(days=1)
            )
            .order_by("-requested_at")
            .values_list("requested_at", flat=True)
            .first()
        )
        silent = waiting is not None and (
            project.last_heard is None or project.last_heard < waiting
        )
        if silent == (project.events_silent_since is not None):
            continue
        project.events_silent_since = (project.last_heard or waiting) if silent else None
        project.save(update_fields=["events_silent_since"])
        if silent:
            log.warning(
                "project %s: no event from the PBX since %s while calls are made",
                project.pk,
                project.events_silent_since,
            )
            flagged.append(project)
    return flagged


PURGE_CHUNK = 5000


def purge_webhook_log(now: datetime | None = None) -> int:
    """Delete log rows older than WEBHOOK_LOG_DAYS, a chunk per statement so no
    transaction runs long; a request still queued for the applier is kept."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    purged = 0
    for project_id in Project.objects.values_list("pk", flat=True):
        # Per project, so the (project, -received_at) index finds the old rows.
        old = WebhookRequest.objects.filter(project_id=project_id, received_at__lt=cutoff)
        old = old.exclude(verdict="queued")
        while ids := list(old.values_list("pk", flat=True)[:PURGE_CHUNK]):
            purged += WebhookRequest.objects.filter(pk__in=ids).delete()[0]
    return purged


@dataclass(frozen=True)
class Backlog:
    """Webhook requests the event applier has not taken yet (counted up to COUNT_CAP)."""

    waiting: int
    oldest_at: datetime | None

    def late(self, now: datetime) -> bool:
        limit = timedelta(seconds=settings.EVENTS_LATE_SECONDS)
        return self.oldest_at is not None and now - self.oldest_at > limit


COUNT_CAP = 10_000
# For operators (log, /healthz), so not translated.
LATE_PROBLEM = (
    "PBX events wait to be applied: is `manage.py apply_events` running? "
    "Calls do not move until it is."
)


def event_backlog() -> Backlog:
    """One query through the queue's partial index; a burst of a million rows still
    costs at most COUNT_CAP index entries (its count then reads as COUNT_CAP)."""
    head = WebhookRequest.objects.filter(verdict="queued").order_by("id")[:COUNT_CAP]
    row = WebhookRequest.objects.filter(pk__in=head.values("pk")).aggregate(
        waiting=Count("pk"), oldest_at=Min("received_at")
    )
    return Backlog(row["waiting"], row["oldest_at"])


def check_event_backlog(now: datetime | None = None) -> int:
    """How many webhook requests wait for the event applier; an error in the log when the
    oldest has waited longer than EVENTS_LATE_SECONDS (calls are not moving)."""
    backlog = event_backlog()
    if not backlog.late(now or timezone.now()):
        return 0
    log.error(
        "%d webhook request(s) waiting since %s. %s",
        backlog.waiting,
        backlog.oldest_at,
        LATE_PROBLEM,
    )
    return backlog.waiting
