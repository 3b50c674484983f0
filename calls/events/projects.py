"""The projects PBX requests arrive for, kept a few seconds in this process.

The webhook view, the caller lookup and the applier all start by finding a project; the
PBX sends bursts, so the same few come again and again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db.models.signals import post_delete, post_save

from calls.models import PbxAccount, Project
from calls.pbx.base import PbxAdapter
from calls.pbx.for_project import adapter_for


class RecentProjects:
    """Projects by key (webhook token, lookup token, or id for the applier).

    A saved or deleted project or PBX
    account empties this process's cache at once (the signals below); other
    worker processes drop an entry after ``ttl`` seconds, so a rotated token
    stops working everywhere within ``ttl`` and a new one works at once (a miss
    always asks the database). Unknown tokens are never kept.
    """

    def __init__(
        self, ttl: float = 5.0, size: int = 1000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock  # seconds; tests pass their own to move time on
        self._entries: dict[tuple[str, ...], tuple[float, Project]] = {}

    def get(self, key: tuple[str, ...]) -> Project | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < self.clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: tuple[str, ...], project: Project) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()  # crude but bounded: real deployments have few projects
        self._entries[key] = (self.clock() + self.ttl, project)

    def clear(self, **_: object) -> None:
        self._entries.clear()


recent_projects = RecentProjects()
for _model in (Project, PbxAccount):
    post_save.connect(recent_projects.clear, sender=_model, dispatch_uid=f"recent-{_model}")
    post_delete.connect(recent_projects.clear, sender=_model, dispatch_uid=f"gone-{_model}")


def inbound_adapter(project: Project) -> PbxAdapter:
    """The project's adapter, kept on the instance: building one decrypts the credentials
    and makes an HTTP session, and recent_projects reuses project instances for a few seconds.
    Only its pure inbound half (validate, parse) is used by the event flow."""
    adapter = getattr(project, "_inbound_adapter", None)
    if adapter is None:
        adapter = project._inbound_adapter = adapter_for(project)
    return adapter
