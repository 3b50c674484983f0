"""What the agent's dialer shows: the current call card and recent calls."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from calls import states
from calls.models import Agent, Call
from calls.workday import availability, wrapup

RECENT_LIMIT = 10
# An ended call stays on the card this long, so the agent sees how it ended.
SHOW_ENDED_FOR = timedelta(minutes=10)
# A call ringing this long with no news from the PBX: the card offers "I've hung up".
QUIET_RINGING = timedelta(seconds=60)


def agent_for_stream(agent_id: int) -> Agent:
    """The agent with its project and PBX account (for the hang-up button), in one query:
    the live stream reads it on every change."""
    return Agent.objects.select_related("project__pbx_account").get(pk=agent_id)


def latest_calls(agent: Agent) -> list[Call]:
    """The agent's latest calls with their contacts, newest first: the card's call and
    the recent list in one query (the live stream runs it on every change); a call in
    the agent's project gets ``agent.project``."""
    calls = list(
        Call.objects.filter(agent=agent)
        .select_related("contact")
        .order_by("-requested_at", "-pk")[: RECENT_LIMIT + 2]
    )
    for call in calls:
        if call.project_id == agent.project_id:
            call.project = agent.project
    return calls


def current_call(agent: Agent, latest: list[Call] | None = None) -> Call | None:
    latest = latest_calls(agent) if latest is None else latest
    if not latest:
        return None
    call = latest[0]
    if wrapup.needs_wrap_up(call):
        return call  # the card keeps asking for its outcome, however long it takes
    if states.is_terminal(call.status) and timezone.now() - call.updated_at > SHOW_ENDED_FOR:
        return None
    return call


def call_card_context(
    agent: Agent,
    call: Call | None = None,
    latest: list[Call] | None = None,
    *,
    hangup_failed: bool = False,
) -> dict:
    """``hangup_failed``: the agent's Hang up was just refused (the card offers ending it
    here instead)."""
    call = call or current_call(agent, latest)
    can_hangup = False
    if call is not None and call.is_active:
        from calls.pbx.registry import adapter_class

        can_hangup = (
            call.status == "queued" or adapter_class(call.project.pbx_account.vendor).can_hangup
        )
    end_here_now, end_here_at = _end_here_offer(call, can_hangup, hangup_failed)
    return {
        "call": call,
        "can_hangup": can_hangup,
        "end_here_now": end_here_now,
        "end_here_at": end_here_at,
        "region": agent.project.region,
        "caller_history": _caller_history(call),
        "pop": _should_pop(agent, call),
        "wrap_up": _wrap_up(agent, call, latest),
    }


def _wrap_up(agent: Agent, call: Call | None, latest: list[Call] | None):
    """The outcome form, when the call on the card is the agent's open wrap-up."""
    if call is None or not wrapup.needs_wrap_up(call):
        return None
    if latest is not None and wrapup.latest_wrap_up(latest) != call:
        return None  # an older call a newer one has replaced
    return wrapup.form_for(call, agent.project)


def _end_here_offer(
    call: Call | None, can_hangup: bool, hangup_failed: bool
) -> tuple[bool, int | None]:
    """Whether the card offers "I've hung up" now; else the moment (epoch seconds) the
    page shows it by itself, when the PBX has stayed quiet that long."""
    if call is None or not call.is_active or call.status == "queued":
        return False, None  # a queued call is canceled here by Cancel call already
    if not can_hangup or hangup_failed or call.project.events_silent_since is not None:
        return True, None
    if call.status == "answered":
        return False, None  # the PBX can hang up, and a conversation is quiet by nature
    reveal = call.updated_at + QUIET_RINGING
    return timezone.now() >= reveal, int(reveal.timestamp())


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
    if not availability.takes_screen_pops(agent):
        return False
    if agent.screen_pop == "ring":
        return True
    return agent.screen_pop == "answer" and call.status == "answered"


def recent_calls(agent: Agent, latest: list[Call] | None = None) -> list[Call]:
    """Calls that have ended, newest first: a call in progress is on the card only, so
    the list changes when a call ends, not at every ring and answer."""
    latest = latest_calls(agent) if latest is None else latest
    return [call for call in latest if not call.is_active][:RECENT_LIMIT]
