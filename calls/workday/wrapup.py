"""Wrap-up: after a call that reached someone, the card asks for its outcome and a note.

The agent is in wrap-up from the call's end until they save or skip it (skipping only
where the project requires neither), then back to what they chose (Ready / Paused).
Only the agent's latest such call asks: a new call ends an open wrap-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.callbacks.services import schedule
from calls.history.services import OutcomeRefused, set_outcome
from calls.models import Agent, Call, CallStatus, Disposition, Project

# The calls that reached a customer's phone or a conversation: those have an outcome.
WRAPUP_STATUSES = (CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.BUSY)
# A wrap-up nobody finished by then (the agent went home) no longer holds the agent.
FORGOTTEN_AFTER = timedelta(hours=12)


class WrapUpRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WrapUpForm:
    """What the card's wrap-up form offers for one call."""

    call: Call
    dispositions: list[Disposition]
    disposition_required: bool
    note_required: bool

    @property
    def can_skip(self) -> bool:
        return not (self.disposition_required or self.note_required)


def needs_wrap_up(call: Call | None, now: datetime | None = None) -> bool:
    if call is None or call.agent_id is None or call.wrapped_up_at is not None:
        return False
    if call.status not in WRAPUP_STATUSES or call.ended_at is None:
        return False
    return (now or timezone.now()) - call.ended_at < FORGOTTEN_AFTER


def latest_wrap_up(latest: list[Call]) -> Call | None:
    """The agent's open wrap-up among their latest calls (newest first), if any."""
    for call in latest:
        if call.is_active:
            return None  # on a new call: its own end asks again
        if call.status in WRAPUP_STATUSES:
            return call if needs_wrap_up(call) else None
    return None


def wrapping_up(agent_ids: list[int], now: datetime) -> dict[int, Call]:
    """For the live board: each agent's open wrap-up. The window's calls are read as
    bare tuples to find each agent's latest (one indexed range read), then only those
    that still wait for a wrap-up are read whole."""
    recent = (
        Call.objects.filter(
            agent_id__in=agent_ids,
            status__in=WRAPUP_STATUSES,
            # (agent, updated_at) is indexed; a call that ended in the window was saved in it
            updated_at__gte=now - FORGOTTEN_AFTER,
        )
        .order_by()
        .values_list("agent_id", "requested_at", "id", "wrapped_up_at")
    )
    latest: dict[int, tuple] = {}
    for agent_id, requested_at, pk, wrapped_up_at in recent:
        if agent_id not in latest or (requested_at, pk) > latest[agent_id][:2]:
            latest[agent_id] = (requested_at, pk, wrapped_up_at)
    waiting = [pk for _at, pk, wrapped_up_at in latest.values() if wrapped_up_at is None]
    if not waiting:
        return {}
    calls = Call.objects.filter(pk__in=waiting).select_related("contact")
    return {call.agent_id: call for call in calls if needs_wrap_up(call, now)}


def form_for(call: Call, project: Project) -> WrapUpForm:
    return WrapUpForm(
        call=call,
        dispositions=list(Disposition.objects.filter(project=project, is_active=True)),
        disposition_required=project.disposition_required,
        note_required=project.wrapup_note_required,
    )


def finish(
    *,
    call: Call,
    agent: Agent,
    disposition: Disposition | None,
    note: str,
    by: AbstractBaseUser,
    callback_at: datetime | None = None,
    skip: bool = False,
) -> Call:
    """Save the outcome (or skip it where allowed); the agent is out of wrap-up."""
    project = agent.project
    if call.is_active:
        raise WrapUpRefused(_("The call is still going on: wrap it up when it has ended."))
    if skip and (project.disposition_required or project.wrapup_note_required):
        raise WrapUpRefused(_("This project needs the call's outcome before the next call."))
    if not skip:
        if project.disposition_required and disposition is None:
            raise WrapUpRefused(_("Pick the call's outcome."))
        if project.wrapup_note_required and not (note or "").strip():
            raise WrapUpRefused(_("Write a short note about the call."))
    if callback_at is not None and callback_at <= timezone.now():
        raise WrapUpRefused(_("Pick a callback time in the future."))
    with transaction.atomic():
        if not skip:
            try:
                call = set_outcome(call=call, disposition=disposition, note=note, by=by)
            except OutcomeRefused as exc:
                raise WrapUpRefused(exc.message) from exc
        now = timezone.now()
        # update(): the PBX's late events may be writing this call's times right now
        Call.objects.filter(pk=call.pk).update(wrapped_up_at=now, updated_at=now)
        if callback_at is not None:
            schedule(call=call, agent=agent, due_at=callback_at)
    call.wrapped_up_at = now
    return call
