"""The working day in numbers: service level, abandon rate, outcomes per disposition and
each agent's time ready and paused in the period, and their average wrap-up.

Service level: of the inbound calls offered in the period, the share answered within
the project's ``service_level_seconds`` (each project its own target when all are shown).
Abandon rate: the share of inbound calls nobody answered (missed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import (
    Agent,
    AgentStateChange,
    Availability,
    Call,
    CallDirection,
    CallStatus,
    Project,
)
from calls.stats.period import Period
from calls.stats.sql import SecondsBetween, wait_seconds

ANSWERED = (CallStatus.ANSWERED, CallStatus.COMPLETED)


@dataclass
class Inbound:
    offered: int = 0  # inbound calls that have finished ringing: answered or missed
    answered: int = 0
    within_target: int = 0
    missed: int = 0

    @property
    def service_level(self) -> float | None:
        return 100.0 * self.within_target / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        return 100.0 * self.missed / self.offered if self.offered else None


@dataclass
class AgentTime:
    agent_id: int
    name: str
    ready: float = 0.0  # seconds
    paused: float = 0.0
    paused_by_reason: dict[str, float] = field(default_factory=dict)
    avg_wrap_up: float | None = None  # seconds from a call's end to its wrap-up saved


@dataclass
class WorkingDay:
    inbound: Inbound
    targets: list[int]  # the service-level targets (seconds) of the projects shown
    outcomes: list[tuple[str, int]]
    agents: list[AgentTime]


def inbound_numbers(calls: QuerySet[Call]) -> tuple[Inbound, list[int]]:
    inbound = calls.filter(direction=CallDirection.INBOUND).filter(
        Q(status__in=ANSWERED) | Q(status=CallStatus.MISSED)
    )
    answered = Q(status__in=ANSWERED, answered_at__isnull=False)
    rows = (
        inbound.order_by()
        .annotate(_wait=wait_seconds())
        .values("project_id", target=F("project__service_level_seconds"))
        .annotate(
            offered=Count("id"),
            answered=Count("id", filter=answered),
            within=Count("id", filter=answered & Q(_wait__lte=F("project__service_level_seconds"))),
            missed=Count("id", filter=Q(status=CallStatus.MISSED)),
        )
    )
    total, targets = Inbound(), set()
    for row in rows:
        targets.add(row["target"])
        total.offered += row["offered"]
        total.answered += row["answered"]
        total.within_target += row["within"]
        total.missed += row["missed"]
    return total, sorted(targets)


def outcomes(calls: QuerySet[Call]) -> list[tuple[str, int]]:
    """Calls per disposition, the most frequent first; calls with none at the end."""
    rows = calls.order_by().values("disposition__name").annotate(n=Count("id"))
    named = sorted(
        ((r["disposition__name"], r["n"]) for r in rows if r["disposition__name"]),
        key=lambda pair: (-pair[1], pair[0]),
    )
    unset = sum(r["n"] for r in rows if not r["disposition__name"])
    return [*named, (_("No outcome"), unset)] if unset else named


def agent_times(period: Period, project: Project | None, now: datetime) -> list[AgentTime]:
    """Seconds each agent spent Ready and Paused within the period (cut at its ends and now)."""
    agents = Agent.objects.select_related("user").order_by("user__first_name", "user__username")
    if project is not None:
        agents = agents.filter(project=project)
    end = min(period.end, now)
    changes = AgentStateChange.objects.filter(agent__in=agents, at__lt=end).order_by(
        "agent_id", "at", "id"
    )
    # The state each agent was in when the period began: its last change before it.
    before = {c.agent_id: c for c in changes.filter(at__lt=period.start)}
    during = defaultdict(list)
    for change in changes.filter(at__gte=period.start):
        during[change.agent_id].append(change)
    result = []
    for agent in agents:
        spans = ([before[agent.pk]] if agent.pk in before else []) + during[agent.pk]
        if spans:
            result.append(_time(agent, spans, period.start, end))
    return result


def _time(agent: Agent, spans: list[AgentStateChange], start: datetime, end: datetime) -> AgentTime:
    time = AgentTime(agent.pk, agent.user.get_full_name() or agent.user.get_username())
    for change, following in zip(spans, [*spans[1:], None], strict=True):
        begin = max(change.at, start)
        finish = following.at if following is not None else end
        seconds = max(0.0, (finish - begin).total_seconds())
        if change.availability == Availability.READY:
            time.ready += seconds
        else:
            time.paused += seconds
            reason = change.reason or _("No reason")
            time.paused_by_reason[reason] = time.paused_by_reason.get(reason, 0.0) + seconds
    return time


def wrap_up_averages(calls: QuerySet[Call]) -> dict[int, float]:
    """Each agent's average time from a call's end to its wrap-up saved or skipped."""
    rows = (
        calls.filter(agent__isnull=False, wrapped_up_at__isnull=False, ended_at__isnull=False)
        .filter(wrapped_up_at__gte=F("ended_at"))
        .order_by()
        .values("agent_id")
        .annotate(avg=Avg(SecondsBetween("ended_at", "wrapped_up_at")))
    )
    return {row["agent_id"]: row["avg"] for row in rows}


def working_day(calls: QuerySet[Call], period: Period, project: Project | None) -> WorkingDay:
    inbound, targets = inbound_numbers(calls)
    agents = agent_times(period, project, timezone.now())
    wrap_ups = wrap_up_averages(calls)
    listed = {time.agent_id for time in agents}
    for agent in Agent.objects.select_related("user").filter(pk__in=set(wrap_ups) - listed):
        agents.append(AgentTime(agent.pk, agent.user.get_full_name() or agent.user.get_username()))
    for time in agents:
        time.avg_wrap_up = wrap_ups.get(time.agent_id)
    return WorkingDay(inbound=inbound, targets=targets, outcomes=outcomes(calls), agents=agents)


# --- the page's tables and their CSV downloads (whole seconds, as export.py does) -------

KINDS = ("outcomes", "agent_time")


def table(day: WorkingDay, kind: str, csv: bool = False) -> tuple[list[str], list[list[str]]]:
    from calls.stats.export import clock, seconds

    if kind == "outcomes":
        return [_("Outcome"), _("Calls")], [[name, str(n)] for name, n in day.outcomes]
    spell = seconds if csv else clock
    ready, paused = _("Time ready"), _("Time paused")
    if csv:
        ready, paused = (_("%(column)s (s)") % {"column": c} for c in (ready, paused))
    rows = [
        [
            agent.name,
            spell(agent.ready),
            spell(agent.paused),
            ", ".join(f"{r}: {spell(s)}" for r, s in sorted(agent.paused_by_reason.items())),
            spell(agent.avg_wrap_up),
        ]
        for agent in day.agents
    ]
    wrap_up = _("Average wrap-up")
    if csv:
        wrap_up = _("%(column)s (s)") % {"column": wrap_up}
    return [_("Agent"), ready, paused, _("Paused for"), wrap_up], rows


def csv_response(day: WorkingDay, period: Period, kind: str):
    from django.http import HttpResponse

    from calls.spreadsheet import SafeWriter

    header, rows = table(day, kind, csv=True)
    dates = f"{period.first.isoformat()}_{period.last.isoformat()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="calls-{kind}-{dates}.csv"'
    writer = SafeWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
