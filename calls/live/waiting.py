"""The "queued" card of a call just started, published only if the call is still waiting.

Publishing it at once re-rendered every open page of the agent (two queries and two
templates, ~15 ms of the web process's CPU per call) while the worker was claiming the
call and calling the PBX: on two cores that cost 1.6-1.9 ms of click->PBX p50 and ~10 ms
of event->SSE p50 (docs/benchmarks.md). The tab that clicked has its card from the
POST's reply, and the worker publishes every later change itself. So other tabs, and
an agent whose call a CRM placed through the API, need this publish only when the call
is still waiting after DELAY: a slow PBX, a long queue, a stopped `calls` worker. The
wait is a Celery countdown, sent once the call is committed (calls/outbound/start.py
enqueues from transaction.on_commit), and run by the `worker` process, not the `calls` one.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from calls import live
from calls.models import Call, CallStatus

log = logging.getLogger("calls.live")

DELAY = 0.25  # seconds: well under what a person notices, well over a normal originate
WAITING = (CallStatus.QUEUED, CallStatus.ORIGINATING)


def publish_if_still_waiting(call: Call) -> None:
    """Publish ``call`` after DELAY unless it has moved on (whoever moved it published)."""
    if not settings.REDIS_URL:
        return  # pages poll the database: nothing to publish
    try:
        publish_waiting.apply_async((call.pk,), countdown=DELAY)
    except Exception as exc:  # the pages' own polling still shows the call
        log.warning("queued card of call %s not scheduled: %s", call.pk, exc)


@shared_task(name="calls.publish_waiting", ignore_result=True)
def publish_waiting(call_id: int) -> None:
    call = Call.objects.filter(pk=call_id, status__in=WAITING).first()
    if call is not None:
        live.publish(call)
