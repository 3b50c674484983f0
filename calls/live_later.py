"""The "queued" card of a call just started, published only if the call is still waiting.

Publishing it at once re-rendered every open page of the agent (two queries and two
templates, ~15 ms of the web process's CPU per call) while the worker was claiming the
call and calling the PBX: on two cores that cost 1.6-1.9 ms of click->PBX p50 and ~10 ms
of event->SSE p50 (docs/benchmarks.md). The tab that clicked has its card from the
POST's reply, and the worker publishes every later change itself. So other tabs, and
an agent whose call a CRM placed through the API, need this publish only when the call
is still waiting after DELAY: a slow PBX, a long queue, a stopped worker.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time

from django.conf import settings

from calls import live
from calls.models import Call, CallStatus

log = logging.getLogger("calls.live")

DELAY = 0.25  # seconds: well under what a person notices, well over a normal originate
WAITING = (CallStatus.QUEUED, CallStatus.ORIGINATING)

_due: list[tuple[float, int]] = []  # (when, call id), soonest first
_wake = threading.Condition()
_thread: threading.Thread | None = None


def publish_if_still_waiting(call: Call) -> None:
    """Publish ``call`` after DELAY unless it has moved on (whoever moved it published)."""
    if not settings.REDIS_URL:
        return  # pages poll the database: nothing to publish
    global _thread
    with _wake:
        heapq.heappush(_due, (time.monotonic() + DELAY, call.pk))
        if _thread is None or not _thread.is_alive():  # first use, or a forked child
            _thread = threading.Thread(target=_run, name="live-later", daemon=True)
            _thread.start()
        _wake.notify()


def _run() -> None:
    while True:
        _publish_waiting(_next_due())


def _next_due() -> list[int]:
    with _wake:
        while not _due or _due[0][0] > time.monotonic():
            _wake.wait(timeout=_due[0][0] - time.monotonic() if _due else None)
        now, ids = time.monotonic(), []
        while _due and _due[0][0] <= now:
            ids.append(heapq.heappop(_due)[1])
        return ids


def _publish_waiting(ids: list[int]) -> None:
    from django.db import connection

    try:
        waiting = list(Call.objects.filter(pk__in=ids, status__in=WAITING))
        if waiting:
            with live.batched():
                for call in waiting:
                    live.publish(call)
    except Exception as exc:  # the pages' own polling still shows the call
        log.warning("queued card of call(s) %s not published: %s", ids, exc)
    finally:
        connection.close()  # this thread lives for the process: give the connection back
