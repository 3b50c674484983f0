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
    return f"{settings.LIVE_CHANNEL_PREFIX}:agent:{agent_id}"


def project_channel(project_id: int) -> str:
    return f"{settings.LIVE_CHANNEL_PREFIX}:project:{project_id}"


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


def wake_board(project_id: int, message: dict) -> None:
    """Send ``message`` to the project's live boards (a change that is no call's, such as
    an agent's availability). Never fails the caller: boards also poll."""
    if not settings.REDIS_URL:
        return
    try:
        _redis(settings.REDIS_URL).publish(project_channel(project_id), json.dumps(message))
    except Exception as exc:
        log.warning("board update not published: %s", exc)


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
