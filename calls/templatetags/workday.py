"""The agent's Ready / Paused menu in the top bar of every page."""

from __future__ import annotations

from django import template

from calls.auth_backend import agent_of
from calls.workday import availability

register = template.Library()


@register.inclusion_tag("calls/_availability.html", takes_context=True)
def availability_menu(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    agent = agent_of(user) if user is not None and user.is_authenticated else None
    if agent is None:
        return {"me": None}
    return {
        "me": agent,
        "now": availability.shown(agent, None, None),
        "pause_reasons": availability.pause_reasons(agent),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
