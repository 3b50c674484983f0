"""Call-centre statistics: read-only queries, computed in the database where it can.

Counts and averages are SQL aggregates on every backend. Medians use PostgreSQL's
``percentile_cont(0.5)``; SQLite has no such aggregate, so there the same median is
computed in Python from the values (``statistics.median`` interpolates the two middle
values exactly like ``percentile_cont``), which keeps both backends' answers equal.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connections
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from calls.models import Agent, Call, CallStatus, Project
from calls.stats.period import Period
from calls.stats.sql import Median, wait_seconds

ANSWERED = (CallStatus.ANSWERED, CallStatus.COMPLETED)
IS_ANSWERED = Q(status__in=ANSWERED)
# Talk time is only known once the call has ended: the duration of completed calls.
HAS_TALK = Q(status=CallStatus.COMPLETED, duration__isnull=False)
# Waiting ends at the answer. A PBX clock behind ours can put answered_at before
# requested_at; such a negative wait says nothing about the customer, so it is left out.
HAS_WAIT = Q(answered_at__isnull=False, answered_at__gte=F("requested_at"))


@dataclass
class Numbers:
    """What a supervisor reads for any group of calls (all, one agent, one project)."""

    calls: int = 0
    answered: int = 0
    avg_talk: float | None = None
    median_talk: float | None = None
    avg_wait: float | None = None
    median_wait: float | None = None

    @property
    def unanswered(self) -> int:
        return self.calls - self.answered

    @property
    def answer_rate(self) -> float | None:
        """Percent of calls answered; None when there were no calls."""
        return 100.0 * self.answered / self.calls if self.calls else None


@dataclass
class Row:
    key: int | None
    label: str
    numbers: Numbers


@dataclass
class Bucket:
    """One bar of the chart: an hour (single-day periods) or a day."""

    start: datetime | date
    calls: int = 0
    answered: int = 0

    @property
    def unanswered(self) -> int:
        return self.calls - self.answered


@dataclass
class Statistics:
    period: Period
    project: Project | None
    totals: Numbers
    hourly: bool
    series: list[Bucket] = field(default_factory=list)
    agents: list[Row] = field(default_factory=list)
    projects: list[Row] = field(default_factory=list)


def calls_in(period: Period, project: Project | None = None) -> QuerySet[Call]:
    calls = Call.objects.filter(requested_at__gte=period.start, requested_at__lt=period.end)
    return calls.filter(project=project) if project is not None else calls


Medians = dict  # {group field or None: {group value: (median talk, median wait)}}


def _is_postgres(calls: QuerySet) -> bool:
    return connections[calls.db].vendor == "postgresql"


def _aggregates(in_sql: bool) -> dict:
    """Counts and averages; the medians too when the database can (one scan, not two)."""
    values = {
        "calls": Count("id"),
        "answered": Count("id", filter=IS_ANSWERED),
        "avg_talk": Avg("duration", filter=HAS_TALK),
        "avg_wait": Avg(wait_seconds(), filter=HAS_WAIT),
    }
    if in_sql:
        values["median_talk"] = Median("duration", filter=HAS_TALK)
        values["median_wait"] = Median(wait_seconds(), filter=HAS_WAIT)
    return values


def python_medians(calls: QuerySet[Call], groups: tuple[str, ...] = ()) -> Medians:
    """Medians for the whole and for each of ``groups`` from one read of the values.

    Which calls count is decided by the same Q objects as the SQL medians (evaluated by
    the database), so both backends pick exactly the same calls.
    """
    flags = {"output_field": BooleanField()}
    rows = (
        calls.order_by()
        .filter(HAS_TALK | HAS_WAIT)
        .annotate(
            _talks=ExpressionWrapper(HAS_TALK, **flags),
            _waits=ExpressionWrapper(HAS_WAIT, **flags),
            _wait=wait_seconds(),
        )
        .values_list(*groups, "duration", "_talks", "_wait", "_waits")
    )
    talks = {g: defaultdict(list) for g in (None, *groups)}
    waits = {g: defaultdict(list) for g in (None, *groups)}
    for row in rows:
        keys = {None: None, **dict(zip(groups, row, strict=False))}
        talk, has_talk, wait, has_wait = row[len(groups) :]
        for group, key in keys.items():
            if has_talk:
                talks[group][key].append(talk)
            if has_wait:
                waits[group][key].append(wait)
    return {
        group: {
            key: (_median(talks[group].get(key)), _median(waits[group].get(key)))
            for key in talks[group].keys() | waits[group].keys()
        }
        for group in (None, *groups)
    }


def _median(values: list[float] | None) -> float | None:
    return float(statistics.median(values)) if values else None


def _numbers(row: dict, medians: dict | None, key: object) -> Numbers:
    if medians is not None:
        row["median_talk"], row["median_wait"] = medians.get(key, (None, None))
    return Numbers(**row)


def totals(calls: QuerySet[Call], medians: Medians | None = None) -> Numbers:
    """Numbers of all ``calls``; ``medians`` from python_medians() where SQL has none."""
    in_sql = _is_postgres(calls)
    if not in_sql and medians is None:
        medians = python_medians(calls)
    row = calls.aggregate(**_aggregates(in_sql))
    return _numbers(row, None if in_sql else medians[None], None)


def grouped(calls: QuerySet[Call], group: str, medians: Medians | None = None) -> dict:
    """{group value: Numbers} for every value of ``group`` that has calls."""
    in_sql = _is_postgres(calls)
    if not in_sql and medians is None:
        medians = python_medians(calls, (group,))
    rows = calls.order_by().values(group).annotate(**_aggregates(in_sql))
    middle = None if in_sql else medians[group]
    return {row[group]: _numbers(row, middle, row.pop(group)) for row in rows}


def series(calls: QuerySet[Call], period: Period) -> list[Bucket]:
    """Calls per local hour (one-day periods) or per local day, empty buckets included."""
    tz = timezone.get_default_timezone()
    hourly = period.single_day
    trunc = TruncHour if hourly else TruncDay
    rows = (
        calls.order_by()
        .annotate(bucket=trunc("requested_at", tzinfo=tz))
        .values("bucket")
        .annotate(calls=Count("id"), answered=Count("id", filter=IS_ANSWERED))
    )
    counted: dict = defaultdict(lambda: [0, 0])
    for row in rows:
        key = _bucket_key(row["bucket"], hourly)
        counted[key][0] += row["calls"]
        counted[key][1] += row["answered"]
    keys = _hours(period) if hourly else period.days
    return [Bucket(key, *counted.get(key, (0, 0))) for key in keys]


def _bucket_key(value: datetime, hourly: bool) -> datetime | date:
    local = (
        timezone.localtime(value, timezone.get_default_timezone())
        if timezone.is_aware(value)
        else value
    )
    return local.replace(tzinfo=None) if hourly else local.date()


def _hours(period: Period) -> list[datetime]:
    """The local hours of the day; 23 or 25 of them when the clocks change."""
    tz = timezone.get_default_timezone()
    hours: list[datetime] = []
    # Step in UTC: adding an hour to a local time is wall-clock arithmetic in Python.
    moment, end = period.start.astimezone(UTC), period.end
    while moment < end:
        local = timezone.localtime(moment, tz).replace(minute=0, second=0, microsecond=0)
        if local.replace(tzinfo=None) not in hours:
            hours.append(local.replace(tzinfo=None))
        moment += timedelta(hours=1)
    return hours


def agent_rows(calls: QuerySet[Call], medians: Medians | None = None) -> list[Row]:
    """One row per agent with calls in the period; calls nobody took form their own row."""
    from django.utils.translation import gettext

    numbers = grouped(calls, "agent", medians)
    agents = Agent.objects.select_related("user").in_bulk([k for k in numbers if k is not None])
    rows = [Row(key, _agent_name(agents[key]), n) for key, n in numbers.items() if key in agents]
    rows.sort(key=lambda row: row.label.lower())
    if None in numbers:
        rows.append(Row(None, gettext("No agent"), numbers[None]))
    return rows


def _agent_name(agent: Agent) -> str:
    return agent.user.get_full_name() or agent.user.get_username()


def project_rows(calls: QuerySet[Call], medians: Medians | None = None) -> list[Row]:
    numbers = grouped(calls, "project", medians)
    projects = Project.objects.in_bulk(list(numbers))
    return [
        Row(pk, projects[pk].name, numbers[pk])
        for pk in sorted(numbers, key=lambda k: projects[k].name)
    ]


def call_statistics(period: Period, project: Project | None = None) -> Statistics:
    """Everything the statistics page shows for ``period`` (and one project, if chosen)."""
    calls = calls_in(period, project)
    # Without SQL medians, read the values once for all three tables.
    medians = None if _is_postgres(calls) else python_medians(calls, ("agent", "project"))
    return Statistics(
        period=period,
        project=project,
        totals=totals(calls, medians),
        hourly=period.single_day,
        series=series(calls, period),
        agents=agent_rows(calls, medians),
        projects=project_rows(calls, medians),
    )
