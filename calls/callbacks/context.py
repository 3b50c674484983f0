"""The nav badge: open callbacks of the agent's project (of all projects for supervisors)."""

from __future__ import annotations

from django.http import HttpRequest


def open_callbacks(request: HttpRequest) -> dict:
    """``callbacks_badge``: None when the user has no callbacks link, else the open count.

    Lazy (a callable the template calls), so pages that do not show the nav pay nothing.
    The count is the list's own (selectors.badge_count); static/js/callbacks_badge.js
    keeps it current while the page stays open.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def badge() -> int | None:
        from calls.callbacks.selectors import badge_count

        return badge_count(user)

    return {"callbacks_badge": badge}
