"""A call just started reaches the agent's other pages only if it is still waiting."""

import json
import time

import pytest

from calls import live, live_later, services
from calls.models import Call
from tests.calls.test_live import use_redis

pytestmark = pytest.mark.django_db(transaction=True)  # the publisher reads from its own thread


@pytest.fixture
def listener(agent, settings, monkeypatch):
    import redis

    use_redis(settings)
    monkeypatch.setattr(live_later, "DELAY", 0.3)
    monkeypatch.setattr("calls.tasks.originate.delay", lambda call_id: None)  # no worker
    pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.agent_channel(agent.pk))
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    yield pubsub
    pubsub.close()


def _messages(pubsub, seconds: float) -> list[dict]:
    found, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        message = pubsub.get_message(timeout=left)
        if message:
            found.append(json.loads(message["data"]))
    return found


def test_a_call_still_waiting_reaches_the_other_pages_after_a_moment(agent, listener):
    started = services.start_call(agent=agent, number="0722 123 456")
    assert _messages(listener, 0.15) == []  # not while the worker would be placing it
    later = _messages(listener, 1.5)
    assert [(m["call"], m["status"]) for m in later] == [(started.call.pk, "queued")]


def test_a_call_that_moved_on_in_the_meantime_is_not_published_again(agent, listener):
    started = services.start_call(agent=agent, number="0722 123 456")
    # the worker placed it and published that change itself
    Call.objects.filter(pk=started.call.pk).update(status="agent_ringing")
    assert _messages(listener, 1.0) == []
