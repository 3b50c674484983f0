"""Publish every change of a call to the pages that show it.

With REDIS_URL set, changes go through Redis pub/sub (one channel per agent and
one per project, for supervisors). Without it, streams poll the database for
calls whose ``updated_at`` moved, which needs no publishing at all.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings

from calls.models import Call

log = logging.getLogger("calls.live")


def agent_channel(agent_id: int) -> str:
    return f"pbxportal:agent:{agent_id}"


def project_channel(project_id: int) -> str:
    return f"pbxportal:project:{project_id}"


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


def publish(call: Call) -> None:
    """Tell live pages that ``call`` changed. Never fails the caller: pages also poll."""
    if not settings.REDIS_URL:
        return
    if _batch.pending is not None:
        _batch.pending.append(call)
        return
    _send([call])


class _Batch(threading.local):
    pending: list[Call] | None = None


_batch = _Batch()


@contextmanager
def batched() -> Iterator[None]:
    """Collect this thread's publishes and send them in one Redis round trip at the end
    (the event applier publishes a batch of calls at its commit)."""
    if _batch.pending is not None:  # already batching: the outer block sends
        yield
        return
    _batch.pending = []
    try:
        yield
    finally:
        calls, _batch.pending = _batch.pending, None
        if calls:
            _send(calls)


def _send(calls: list[Call]) -> None:
    try:
        pipe = _redis(settings.REDIS_URL).pipeline(transaction=False)  # one round trip
        for call in calls:
            message = json.dumps(
                {"call": call.pk, "status": call.status, "updated": call.updated_at.timestamp()}
            )
            if call.agent_id:
                pipe.publish(agent_channel(call.agent_id), message)
            pipe.publish(project_channel(call.project_id), message)
        pipe.execute()
    except Exception as exc:
        log.warning("live update for %d call(s) not published: %s", len(calls), exc)


# --- the stream an agent's page holds open -----------------------------------------

POLL_INTERVAL = 0.25  # seconds between database checks when there is no Redis
HEARTBEAT = 15.0  # seconds: keeps proxies from closing an idle stream


def sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def _agent_stamp(agent_id: int) -> tuple:
    from django.db.models import Count, Max

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
        from django.template.loader import render_to_string

        from calls.dialer import agent_for_stream, call_card_context, latest_calls, recent_calls

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


# What woke a stream: its first look, a database poll tick, a Redis message, or nothing
# (a heartbeat interval passed).
FIRST, TICK, MESSAGE = "first", "tick", "message"


async def _wake_ups(channel: str):
    """Yield FIRST, then TICK at each database poll, or MESSAGE for each burst of Redis
    messages (a batch of events is one wake-up, not one per call it moved)."""
    import asyncio

    if not settings.REDIS_URL:
        yield FIRST
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            yield TICK
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    try:
        yield FIRST  # the page gets the current state at once, then only changes
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=HEARTBEAT)
            if message is None:
                yield None
                continue
            while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0):
                pass  # already waiting: the one render below shows them all
            yield MESSAGE
    finally:
        await pubsub.aclose()
        await client.aclose()


async def change_stream(channel: str, stamp, render):
    """Server-sent events: ``render()`` at once, then again on every change.

    ``stamp`` is a cheap query (a max and a count) that tells a database poll tick with
    a change from one without; a Redis message is a change by itself, so it renders
    without asking. ``render`` returns finished SSE text.
    """
    import time

    from asgiref.sync import sync_to_async

    stamp_of = sync_to_async(_returning_connection(stamp))
    render_now = sync_to_async(_returning_connection(render))
    yield "retry: 2000\n\n"
    last_stamp, last_beat = None, time.monotonic()
    async for wake in _wake_ups(channel):
        changed = wake == MESSAGE
        if wake in (FIRST, TICK):
            current = await stamp_of()
            changed, last_stamp = current != last_stamp, current
        if changed:
            last_beat = time.monotonic()
            yield await render_now()
        elif time.monotonic() - last_beat >= HEARTBEAT:
            last_beat = time.monotonic()
            yield ": keep-alive\n\n"


def _returning_connection(read):
    """``read``, then give its database connection back (to the pool, or closed when
    CONN_MAX_AGE says so): a stream lives for hours, and holding a connection per open
    page would exhaust the pool at a few dozen agents."""
    from django.db import close_old_connections

    def run():
        try:
            return read()
        finally:
            close_old_connections()

    return run


def agent_events(agent_id: int):
    """The agent page's stream: the call card and recent calls, on every change."""
    from functools import partial

    return change_stream(
        agent_channel(agent_id),
        partial(_agent_stamp, agent_id),
        AgentFragments(agent_id),
    )


def event_stream_response(events):
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


async def agent_stream(request):
    """GET /live/agent/: one stream per open page; a reconnect gets the current state."""
    from django.http import HttpResponse

    from calls.models import Agent

    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=403)
    agent = await Agent.objects.filter(user=user).afirst()
    if agent is None:
        return HttpResponse(status=404)
    return event_stream_response(agent_events(agent.pk))
