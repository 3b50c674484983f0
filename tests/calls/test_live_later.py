"""A call just started reaches the agent's other pages only if it is still waiting."""

import json
import time

import pytest

from calls import live
from calls.live import waiting
from calls.models import Call
from calls.outbound.start import start_call
from tests.live_redis import use_redis


@pytest.fixture
def listener(agent, settings, monkeypatch):
    import redis

    use_redis(settings)
    monkeypatch.setattr("calls.outbound.tasks.originate.delay", lambda call_id: None)  # no worker
    pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.agent_channel(agent.pk))
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    yield pubsub
    pubsub.close()


@pytest.fixture
def scheduled(monkeypatch) -> list[tuple]:
    """The publishes the web process asked the worker for: (call id, countdown)."""
    sent: list[tuple] = []

    def apply_async(args, countdown=None, **_):
        sent.append((*args, countdown))

    monkeypatch.setattr(waiting.publish_waiting, "apply_async", apply_async)
    return sent


def published_so_far(pubsub, agent) -> list[dict]:
    """What reached the agent's pages until now: Redis delivers a channel's messages in
    order, so everything published before the marker sent here has arrived with it."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).publish(live.agent_channel(agent.pk), '"marker"')
    found, deadline = [], time.monotonic() + 10  # a bound, never reached while Redis answers
    while time.monotonic() < deadline:
        if (message := pubsub.get_message(timeout=1)) is None:
            continue
        if (data := json.loads(message["data"])) == "marker":
            return found
        found.append(data)
    raise AssertionError("the marker never arrived")


@pytest.mark.django_db(transaction=True)
def test_a_call_still_waiting_reaches_the_other_pages_after_a_moment(agent, listener, scheduled):
    started = start_call(agent=agent, number="0722 123 456")
    assert scheduled == [(started.call.pk, waiting.DELAY)]  # once committed, for later
    assert published_so_far(listener, agent) == []  # not while the worker would place it
    waiting.publish_waiting(started.call.pk)  # the worker, DELAY later
    later = published_so_far(listener, agent)
    assert [(m["call"], m["status"]) for m in later] == [(started.call.pk, "queued")]


@pytest.mark.django_db(transaction=True)
def test_a_call_that_moved_on_in_the_meantime_is_not_published_again(agent, listener, scheduled):
    started = start_call(agent=agent, number="0722 123 456")
    # the worker placed it and published that change itself
    Call.objects.filter(pk=started.call.pk).update(status="agent_ringing")
    waiting.publish_waiting(started.call.pk)
    assert published_so_far(listener, agent) == []


@pytest.mark.django_db(transaction=True)
def test_nothing_is_scheduled_before_the_call_is_committed(agent, listener, scheduled):
    from django.db import transaction

    with transaction.atomic():
        start_call(agent=agent, number="0722 123 456")
        assert scheduled == []  # a rolled-back call must not be published
