"""The agents' phones as the PBX sees them (registered or not), for the live board.

A Celery beat job (calls.refresh_presence, every PRESENCE_REFRESH_SECONDS) asks each
project whose vendor can tell (While1's users-status) and stores the answer on
Agent.pbx_presence / pbx_presence_at. A PBX that fails is logged and skipped: the board
shows its agents' status as unknown once the last reading is older than PRESENCE_STALE.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Agent, Project
from calls.pbx.base import PbxAdapter, PbxError, Presence
from calls.pbx.for_project import adapter_for
from calls.pbx.registry import UnknownVendor, adapter_class

log = logging.getLogger("calls.presence")

LABELS = {
    Presence.REGISTERED: _("Phone registered"),
    Presence.OFFLINE: _("Phone offline"),
    Presence.UNKNOWN: _("Phone status unknown"),
}


def stale_after() -> timedelta:
    # Three missed readings: one slow PBX answer does not blank the column.
    return timedelta(seconds=3 * settings.PRESENCE_REFRESH_SECONDS)


def supports_presence(vendor: str) -> bool:
    try:
        return adapter_class(vendor).presence is not PbxAdapter.presence
    except UnknownVendor:
        return False


def shown(agent: Agent, now: datetime | None = None) -> Presence:
    """What the board says of the agent's phone: the last reading while it is fresh."""
    now = now or timezone.now()
    read_at = agent.pbx_presence_at
    if not read_at or now - read_at > stale_after():
        return Presence.UNKNOWN
    try:
        return Presence(agent.pbx_presence)
    except ValueError:
        return Presence.UNKNOWN


def refresh_all() -> dict[str, int]:
    """Read every supporting project's PBX once; never raises for one PBX's failure."""
    counts = {"projects": 0, "agents": 0, "failed": 0}
    projects = Project.objects.select_related("pbx_account").filter(agents__isnull=False)
    for project in projects.distinct().order_by("pk"):
        if not supports_presence(project.pbx_account.vendor):
            continue
        counts["projects"] += 1
        try:
            counts["agents"] += refresh_project(project)
        except PbxError as exc:
            counts["failed"] += 1
            log.warning("phone status of project %s not read: %s", project.pk, exc.message)
        except Exception:  # a bug on one project's data must not stop the others
            counts["failed"] += 1
            log.exception("phone status of project %s not read", project.pk)
    return counts


def refresh_project(project: Project) -> int:
    """Store the PBX's answer on each agent of ``project``; the number of agents updated."""
    phones = adapter_for(project).presence()
    now = timezone.now()
    by_state: dict[Presence, list[int]] = defaultdict(list)
    for pk, extension in Agent.objects.filter(project=project).values_list("pk", "extension"):
        # An extension the PBX does not list is one it cannot say anything about.
        by_state[phones.get(extension, Presence.UNKNOWN)].append(pk)
    for state, pks in by_state.items():
        Agent.objects.filter(pk__in=pks).update(pbx_presence=state.value, pbx_presence_at=now)
    return sum(len(pks) for pks in by_state.values())
