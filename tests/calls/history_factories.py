"""Calls at chosen times for the history tests (requested_at is auto_now_add)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from calls.models import Agent, Call, CallDirection, CallStatus, Project

_seq = itertools.count(1)
BASE = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def make_call(
    agent: Agent | None,
    *,
    at: datetime | None = None,
    project: Project | None = None,
    number: str = "",
    status: str = CallStatus.COMPLETED,
    direction: str = CallDirection.OUTBOUND,
    **fields,
) -> Call:
    n = next(_seq)
    call = Call.objects.create(
        project=project or agent.project,
        agent=agent,
        direction=direction,
        remote_number=number or f"+40722{n:06d}",
        status=status,
        **fields,
    )
    Call.objects.filter(pk=call.pk).update(requested_at=at or BASE + timedelta(minutes=n))
    call.refresh_from_db()
    return call
