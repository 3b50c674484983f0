"""Periodic care: close calls the PBX never finished, flag PBXs that went silent.

A PBX that drops a hangup event must not leave an agent "on a call" forever:
calls with no news for too long are closed with a reason a person can read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import live, states
from calls.callbacks import services as callbacks
from calls.models import Call, CallDirection, CallStatus, Project

log = logging.getLogger("calls.housekeeping")

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


def close_stuck_calls(now: datetime | None = None) -> Closed:
    now = now or timezone.now()
    ringing_cutoff = now - timedelta(minutes=settings.STUCK_RINGING_MINUTES)
    answered_cutoff = now - timedelta(hours=settings.STUCK_ANSWERED_HOURS)
    ringing = Call.objects.filter(status__in=RINGING, updated_at__lt=ringing_cutoff)
    answered = Call.objects.filter(status=CallStatus.ANSWERED, updated_at__lt=answered_cutoff)
    closed_ringing = sum(_close(pk, now) for pk in ringing.values_list("pk", flat=True))
    closed_answered = sum(_close(pk, now) for pk in answered.values_list("pk", flat=True))
    return Closed(closed_ringing, closed_answered)


def _close(call_id: int, now: datetime) -> bool:
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if states.is_terminal(call.status):
            return False  # an event got there first
        quiet_since = timezone.localtime(call.updated_at).strftime("%H:%M")
        if call.status == CallStatus.ANSWERED:
            # Talk time is unknown without the hangup: better none than a wrong one.
            call.status = CallStatus.COMPLETED
            reason = _("The PBX never reported the end of this call (last news at %(t)s).")
        elif call.status == CallStatus.ORIGINATING:
            call.status = CallStatus.FAILED
            reason = _("The PBX never confirmed this call (asked at %(t)s); it may not have rung.")
        else:
            inbound = call.direction == CallDirection.INBOUND
            call.status = CallStatus.MISSED if inbound else CallStatus.NO_ANSWER
            reason = _("No news from the PBX since %(t)s; closed as unanswered.")
        call.failure_reason = reason % {"t": quiet_since}
        call.ended_at = call.ended_at or now
        call.save(update_fields=["status", "failure_reason", "ended_at", "updated_at"])
        callbacks.on_call_finished(call)  # a missed inbound call still gets its callback
    log.warning("call %s closed by housekeeping: %s", call_id, call.failure_reason)
    live.publish(call)
    return True


def flag_silent_pbxs(now: datetime | None = None) -> list[Project]:
    """Flag projects whose PBX sent nothing after a call that had PBX_SILENCE_MINUTES to ring.

    The flag clears itself as soon as the PBX is heard from again.
    """
    now = now or timezone.now()
    ripe = now - timedelta(minutes=settings.PBX_SILENCE_MINUTES)
    flagged = []
    for project in Project.objects.annotate(last_heard=Max("webhook_requests__received_at")):
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
