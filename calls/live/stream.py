"""Server-sent events that follow changes: the agent's page and the live board each hold
one. A change is a Redis message (calls/live/__init__.py publishes it) or, without
Redis, a database poll tick whose cheap stamp moved.
"""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import StreamingHttpResponse

POLL_INTERVAL = 0.25  # seconds between database checks when there is no Redis
HEARTBEAT = 15.0  # seconds: keeps proxies from closing an idle stream


def sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


# What woke a stream: its first look, a database poll tick, a Redis message, or nothing
# (a heartbeat interval passed).
FIRST, TICK, MESSAGE = "first", "tick", "message"


async def _wake_ups(channel: str):
    """Yield FIRST, then TICK at each database poll, or MESSAGE for each burst of Redis
    messages (a batch of events is one wake-up, not one per call it moved)."""
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

    def run():
        try:
            return read()
        finally:
            close_old_connections()

    return run


def event_stream_response(events):
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
