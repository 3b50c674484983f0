"""What the agent's dialer shows: the current call card and recent calls."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from calls import states
from calls.models import Agent, Call

RECENT_LIMIT = 10
# An ended call stays on the card this long, so the agent sees how it ended.
SHOW_ENDED_FOR = timedelta(minutes=10)


def latest_calls(agent: Agent) -> list[Call]:
    """The agent's latest calls, newest first: the card's call and the recent list in
    one query (the live stream renders both on every change)."""
    return list(
        Call.objects.filter(agent=agent)
        .select_related("contact", "project__pbx_account")
        .order_by("-requested_at", "-id")[: RECENT_LIMIT + 2]
    )


def current_call(agent: Agent, latest: list[Call] | None = None) -> Call | None:
    latest = latest_calls(agent) if latest is None else latest
    if not latest:
        return None
    call = latest[0]
    if states.is_terminal(call.status) and timezone.now() - call.updated_at > SHOW_ENDED_FOR:
        return None
    return call


def call_card_context(
    agent: Agent, call: Call | None = None, latest: list[Call] | None = None
) -> dict:
    call = call or current_call(agent, latest)
    can_hangup = False
    if call is not None and call.is_active:
        from calls.pbx.registry import adapter_class

        can_hangup = (
            call.status == "queued" or adapter_class(call.project.pbx_account.vendor).can_hangup
        )
    return {
        "call": call,
        "can_hangup": can_hangup,
        "region": agent.project.region,
        "caller_history": _caller_history(call),
        "pop": _should_pop(agent, call),
    }


def _caller_history(call: Call | None) -> list[Call]:
    if call is None or call.direction != "inbound" or call.contact_id is None:
        return []
    return list(
        Call.objects.filter(contact_id=call.contact_id)
        .exclude(pk=call.pk)
        .select_related("agent__user")
        .order_by("-requested_at")[:3]
    )


def _should_pop(agent: Agent, call: Call | None) -> bool:
    """Whether the agent's page pops the caller's card now (once, across all its tabs)."""
    if call is None or call.direction != "inbound" or not call.is_active:
        return False
    if agent.screen_pop == "ring":
        return True
    return agent.screen_pop == "answer" and call.status == "answered"


def recent_calls(agent: Agent, latest: list[Call] | None = None) -> list[Call]:
    """Calls that have ended, newest first: a call in progress is on the card only, so
    the list changes when a call ends, not at every ring and answer."""
    latest = latest_calls(agent) if latest is None else latest
    return [call for call in latest if not call.is_active][:RECENT_LIMIT]
