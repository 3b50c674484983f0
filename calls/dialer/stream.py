"""The agent's page stream (GET /live/agent/): the call card and recent calls, on every
change of the agent's calls."""

from __future__ import annotations

from functools import partial

from django.db.models import Count, Max
from django.http import HttpResponse
from django.template.loader import render_to_string

from calls.dialer.card import agent_for_stream, call_card_context, latest_calls, recent_calls
from calls.live import agent_channel
from calls.live.stream import change_stream, event_stream_response, sse
from calls.models import Agent, Call


def _agent_stamp(agent_id: int) -> tuple:
    row = Call.objects.filter(agent_id=agent_id).aggregate(last=Max("updated_at"), n=Count("id"))
    return (row["last"], row["n"])


class AgentFragments:
    """Renders one agent stream's SSE text: the call card every time, the recent-calls
    list only when it changed since this stream last sent it (it changes when a call
    ends; rendering it was a third of the web process's CPU per call)."""

    def __init__(self, agent_id: int) -> None:
        self.agent_id = agent_id
        self._recent_key: tuple | None = None

    def __call__(self) -> str:
        agent = agent_for_stream(self.agent_id)
        latest = latest_calls(agent)
        text = sse(
            "call",
            render_to_string("calls/_call_card.html", call_card_context(agent, latest=latest)),
        )
        recent = recent_calls(agent, latest)
        key = tuple((c.pk, c.status, c.contact_id) for c in recent)
        if key != self._recent_key:
            self._recent_key = key
            html = render_to_string(
                "calls/_recent_calls.html", {"recent": recent, "region": agent.project.region}
            )
            text += sse("recent", html)
        return text


def agent_events(agent_id: int):
    """The agent page's stream: the call card and recent calls, on every change."""
    return change_stream(
        agent_channel(agent_id),
        partial(_agent_stamp, agent_id),
        AgentFragments(agent_id),
    )


async def agent_stream(request):
    """GET /live/agent/: one stream per open page; a reconnect gets the current state."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=403)
    agent = await Agent.objects.filter(user=user).afirst()
    if agent is None:
        return HttpResponse(status=404)
    return event_stream_response(agent_events(agent.pk))
