"""An agent's availability: Ready or Paused by their own hand; "On a call" and "Wrap-up"
read from their calls, so no PBX event has to keep a second state in step.

Every Ready / Paused change is kept (AgentStateChange): the statistics' time ready and
time paused per agent are the gaps between an agent's changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import live
from calls.models import Agent, AgentStateChange, Availability, Call, PauseReason

log = logging.getLogger("calls.workday")

# What the board and the header show: the agent's choice, unless a call says otherwise.
READY, PAUSED, WRAP_UP, ON_CALL = "ready", "paused", "wrap_up", "on_call"
LABELS = {
    READY: gettext_lazy("Ready"),
    PAUSED: gettext_lazy("Paused"),
    WRAP_UP: gettext_lazy("Wrap-up"),
    ON_CALL: gettext_lazy("On a call"),
}


class AvailabilityRefused(ValueError):
    """The change was not made; the message says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Shown:
    """An agent's state as people see it, with the moment it began (for the timers)."""

    state: str
    since: datetime | None
    reason: str = ""

    @property
    def label(self) -> str:
        text = str(LABELS[self.state])
        return f"{text}: {self.reason}" if self.reason else text


def pause_reasons(agent: Agent) -> list[PauseReason]:
    return list(PauseReason.objects.filter(project_id=agent.project_id, is_active=True))


def set_availability(
    *,
    agent: Agent,
    availability: str,
    reason: PauseReason | None = None,
    now: datetime | None = None,
) -> Agent:
    """Make the agent Ready or Paused (with a reason of their project), and keep the change."""
    if availability not in Availability.values:
        raise AvailabilityRefused(_("Choose Ready or Paused."))
    if availability == Availability.READY:
        reason = None
    elif reason is not None and (reason.project_id != agent.project_id or not reason.is_active):
        raise AvailabilityRefused(_("That pause reason is not offered; pick one from the list."))
    if agent.availability == availability and agent.pause_reason_id == (reason and reason.pk):
        return agent  # a second click, another tab: no new history row
    now = now or timezone.now()
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(
            availability=availability, availability_since=now, pause_reason=reason
        )
        AgentStateChange.objects.create(
            agent=agent, availability=availability, reason=reason.name if reason else "", at=now
        )
        transaction.on_commit(lambda: _tell_board(agent.project_id))
    agent.availability, agent.availability_since, agent.pause_reason = availability, now, reason
    return agent


def ready_from_first_login(sender, user, **kwargs) -> None:
    """Django's ``user_logged_in``: an agent who never chose is Ready (screen-pops reach
    them) from the moment they first came in, so the board shows since when and the
    statistics count it. Later logins change nothing."""
    now = timezone.now()
    with transaction.atomic():
        agent = Agent.objects.filter(user=user, availability_since__isnull=True).first()
        if agent is None or not Agent.objects.filter(
            pk=agent.pk, availability_since__isnull=True
        ).update(availability_since=now):
            return
        reason = agent.pause_reason.name if agent.pause_reason_id else ""
        AgentStateChange.objects.create(
            agent=agent, availability=agent.availability, reason=reason, at=now
        )
        transaction.on_commit(lambda: _tell_board(agent.project_id))


def shown(agent: Agent, active: Call | None, wrapping_up: Call | None) -> Shown:
    """On a call wins, then a wrap-up the agent has not saved or skipped, then their choice."""
    if active is not None:
        return Shown(ON_CALL, active.answered_at or active.requested_at)
    if wrapping_up is not None:
        return Shown(WRAP_UP, wrapping_up.ended_at)
    if agent.availability == Availability.PAUSED:
        reason = agent.pause_reason.name if agent.pause_reason else ""
        return Shown(PAUSED, agent.availability_since, reason)
    return Shown(READY, agent.availability_since)


def takes_screen_pops(agent: Agent) -> bool:
    """A paused agent is away from the desk: no card pops up over their work."""
    return agent.availability != Availability.PAUSED


def _tell_board(project_id: int) -> None:
    """Wake the project's live boards at once (without Redis they see it on their next poll)."""
    live.wake_board(project_id, {"availability": True})
