"""The nav badge: open callbacks of the agent's project (of all projects for supervisors)."""

from __future__ import annotations

from django.http import HttpRequest


def open_callbacks(request: HttpRequest) -> dict:
    """``callbacks_badge``: None when the user has no callbacks link, else the open count.

    Lazy (a callable the template calls), so pages that do not show the nav pay nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def badge() -> int | None:
        from calls import roles
        from calls.models import Agent, Callback

        project_id = Agent.objects.filter(user=user).values_list("project_id", flat=True).first()
        if project_id and roles.is_agent(user):
            return Callback.objects.filter(project_id=project_id, closed_at__isnull=True).count()
        if roles.is_supervisor(user):  # floor-wide: every project's open callbacks
            return Callback.objects.filter(closed_at__isnull=True).count()
        return None

    return {"callbacks_badge": badge}
