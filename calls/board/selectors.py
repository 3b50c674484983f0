"""The live board: what every agent of a project is doing right now. Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.board import presence
from calls.models import Agent, Call, CallDirection, CallStatus, Project
from calls.pbx.base import Presence
from calls.stats.period import local_today
from calls.workday import availability, wrapup

UPDATED_SLACK = timedelta(minutes=5)

RINGING_STATUSES = (
    CallStatus.QUEUED,
    CallStatus.ORIGINATING,
    CallStatus.AGENT_RINGING,
    CallStatus.CUSTOMER_RINGING,
    CallStatus.RINGING,
)
ANSWERED_STATUSES = (CallStatus.ANSWERED, CallStatus.COMPLETED)

READY, PAUSED, RINGING, TALKING, WRAP_UP = "ready", "paused", "ringing", "talking", "wrap_up"
STATE_LABELS = {
    READY: _("Ready"),
    PAUSED: _("Paused"),
    RINGING: _("Ringing"),
    TALKING: _("Talking"),
    WRAP_UP: _("Wrap-up"),
}


@dataclass
class AgentState:
    agent: Agent
    state: str = READY
    call: Call | None = None
    since: datetime | None = None  # when the state began: the board's timers count from it
    reason: str = ""  # why a paused agent paused

    @property
    def label(self) -> str:
        text = str(STATE_LABELS[self.state])
        return f"{text}: {self.reason}" if self.reason else text

    @property
    def name(self) -> str:
        return self.agent.user.get_full_name() or self.agent.user.get_username()

    @property
    def phone(self) -> Presence:
        """The agent's phone at the PBX, for projects whose PBX tells (Board.shows_phones)."""
        return presence.shown(self.agent)

    @property
    def phone_label(self) -> str:
        return str(presence.LABELS[self.phone])


@dataclass
class Board:
    project: Project
    agents: list[AgentState] = field(default_factory=list)
    waiting: list[Call] = field(default_factory=list)
    answered_today: int = 0
    missed_today: int = 0
    shows_phones: bool = False  # the PBX reports its phones' registration (While1)


def _active_calls(agent_ids: list[int]) -> dict[int, Call]:
    """Each agent's current call; a call being talked on wins over one still ringing."""
    active = Call.objects.filter(
        agent_id__in=agent_ids, status__in=(*RINGING_STATUSES, CallStatus.ANSWERED)
    ).select_related("contact")
    chosen: dict[int, Call] = {}
    for call in active.order_by("requested_at", "id"):
        current = chosen.get(call.agent_id)
        if current is None or current.status != CallStatus.ANSWERED:
            chosen[call.agent_id] = call
    return chosen


def agent_state(agent: Agent, active: Call | None, ended: Call | None) -> AgentState:
    """On a call (ringing or talking), then an unfinished wrap-up, then Ready / Paused."""
    if active is not None and active.status == CallStatus.ANSWERED:
        return AgentState(agent, TALKING, active, active.answered_at or active.requested_at)
    if active is not None:
        return AgentState(agent, RINGING, active, active.requested_at)
    shown = availability.shown(agent, None, ended)
    return AgentState(agent, shown.state, ended, shown.since, shown.reason)


def agent_states(project: Project, now: datetime) -> list[AgentState]:
    agents = list(
        Agent.objects.filter(project=project)
        .select_related("user", "pause_reason")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    ids = [agent.pk for agent in agents]
    active, ended = _active_calls(ids), wrapup.wrapping_up(ids, now)
    return [agent_state(a, active.get(a.pk), ended.get(a.pk)) for a in agents]


def waiting_calls(project: Project, now: datetime) -> list[Call]:
    """Inbound callers still ringing: nobody has answered them yet."""
    waiting = Call.objects.filter(
        project=project,
        requested_at__gte=recent_window(now),
        direction=CallDirection.INBOUND,
        status__in=RINGING_STATUSES,
    )
    return list(waiting.select_related("contact", "agent__user").order_by("requested_at", "id"))


def today_counts(project: Project, now: datetime) -> dict[str, int]:
    midnight = _local_midnight(now)
    return Call.objects.filter(project=project, requested_at__gte=midnight).aggregate(
        answered_today=Count("id", filter=Q(status__in=ANSWERED_STATUSES)),
        missed_today=Count("id", filter=Q(status=CallStatus.MISSED)),
    )


def _local_midnight(now: datetime) -> datetime:
    tz = timezone.get_default_timezone()
    return datetime.combine(local_today(now), datetime.min.time(), tzinfo=tz)


def board(project: Project, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    return Board(
        project=project,
        agents=agent_states(project, now),
        waiting=waiting_calls(project, now),
        shows_phones=presence.supports_presence(project.pbx_account.vendor),
        **today_counts(project, now),
    )


def recent_window(now: datetime) -> datetime:
    """The oldest requested_at the board cares about: today's calls and any still active
    (housekeeping ends calls older than STUCK_ANSWERED_HOURS), so that the project's
    (project, requested_at) index bounds every board query, however old the project."""
    active_for = timedelta(hours=settings.STUCK_ANSWERED_HOURS + 1)
    return min(_local_midnight(now), now - active_for)


def project_stamp(project_id: int, now: datetime | None = None) -> tuple:
    """Changes whenever the board may look different; cheap enough to ask 4 times a second.

    Today's date is part of it, so the counts reset at midnight without any call changing.
    """
    now = now or timezone.now()
    window = recent_window(now)
    calls = Call.objects.filter(project_id=project_id, requested_at__gte=window).aggregate(
        last=Max("updated_at"), n=Count("id")
    )
    agents = Agent.objects.filter(project_id=project_id).aggregate(
        n=Count("id"),
        last=Max("id"),
        phones=Max("pbx_presence_at"),
        availability=Max("availability_since"),
    )
    # Each reading of the agents' phones redraws it, and so does the last one going stale
    # (calls/board/presence.py): a refresher that stopped still shows as "unknown".
    phones = agents["phones"]
    phones_stale = phones is not None and now - phones > presence.stale_after()
    return (
        local_today(now),
        calls["last"],
        calls["n"],
        agents["n"],
        agents["last"],
        phones,
        phones_stale,
        agents["availability"],
    )
