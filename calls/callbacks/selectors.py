"""Readers of callbacks: the open list for an agent or a supervisor, the nav badge count."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Agent, Call, Callback, CallDirection, CallStatus, Project

LIST_LIMIT = 200
COMPACT_LIMIT = 5


def open_callbacks(projects: QuerySet[Project] | list[Project] | None = None) -> QuerySet[Callback]:
    """Open callbacks, oldest missed first (who has waited longest), with the last missed time.

    ``projects`` None means every project (supervisors are floor-wide).
    """
    last_missed = (
        Call.objects.filter(
            project_id=OuterRef("project_id"),
            remote_number=OuterRef("number"),
            direction=CallDirection.INBOUND,
            status=CallStatus.MISSED,
        )
        .values("remote_number")
        .annotate(at=Max("ended_at"))
        .values("at")
    )
    callbacks = Callback.objects.filter(closed_at__isnull=True)
    if projects is not None:
        callbacks = callbacks.filter(project__in=projects)
    return (
        callbacks.select_related("project", "contact", "missed_call", "assigned_to__user")
        .annotate(last_missed_at=Subquery(last_missed))
        .order_by(Coalesce("due_at", "created_at"), "id")
    )


def due_for(agent: Agent) -> Q:
    """What an agent is asked to call now: due (a missed call is due at once, a scheduled
    one at its time), and theirs or nobody's."""
    due = Q(due_at__isnull=True) | Q(due_at__lte=timezone.now())
    return due & (Q(assigned_to__isnull=True) | Q(assigned_to=agent))


def open_count(project: Project | int | None) -> int:
    """How many callbacks wait: the list's total and the nav badge, one definition.

    One indexed count (project, closed_at); ``project`` None counts every project."""
    callbacks = Callback.objects.filter(closed_at__isnull=True)
    if project is not None:
        callbacks = callbacks.filter(project=project)
    return callbacks.count()


def badge_count(user: AbstractBaseUser) -> int | None:
    """The nav badge: None when the user has no callbacks page, else what their list holds
    (an agent's project; every project for a supervisor, as their list shows by default)."""
    from calls import roles

    if roles.is_supervisor(user):
        return open_count(None)
    agent = Agent.objects.filter(user=user).only("pk", "project_id").first()
    if agent is not None and roles.is_agent(user):
        return Callback.objects.filter(
            due_for(agent), project_id=agent.project_id, closed_at__isnull=True
        ).count()
    return None


@dataclass(frozen=True)
class CallbackList:
    callbacks: list[Callback]
    total: int
    can_call: bool


def for_agent(agent: Agent, limit: int = LIST_LIMIT) -> CallbackList:
    """The agent's project's callbacks that are due now and theirs or nobody's."""
    callbacks = open_callbacks([agent.project]).filter(due_for(agent))
    return CallbackList(list(callbacks[:limit]), callbacks.count(), can_call=True)


def for_supervisor(project: Project | None, limit: int = LIST_LIMIT) -> CallbackList:
    callbacks = open_callbacks([project] if project else None)
    return CallbackList(list(callbacks[:limit]), open_count(project), can_call=False)


def dialer_context(agent: Agent) -> dict:
    """What ``templates/callbacks/_list.html`` needs, compact, for the agent's dialer page."""
    found = for_agent(agent, limit=COMPACT_LIMIT)
    return {"callback_list": found, "compact": True}
