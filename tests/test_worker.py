"""A real Celery worker process consumes the configured broker (filesystem or Redis)."""

import pytest
from django.conf import settings

from calls.tasks import ping
from tests.processes import celery_worker


@pytest.mark.slow
def test_a_task_round_trips_through_a_real_worker():
    with celery_worker():
        result = ping.delay("hello")
        assert result.get(timeout=60) == "pong:hello"
    print("broker:", settings.CELERY_BROKER_URL.split("://")[0])


def test_the_procfile_workers_consume_every_queue_a_task_is_sent_to():
    """A queue no worker reads is a click that never rings: `make run` must serve both."""
    import re
    from pathlib import Path

    from pbxportal.celery import app

    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    consumed = set()
    for line in procfile.splitlines():
        if " worker " in line:
            consumed.update(re.search(r"--queues (\S+)", line).group(1).split(","))
    routed = {app.amqp.router.route({}, name)["queue"].name for name in app.tasks}
    assert routed <= consumed
    assert app.amqp.router.route({}, "calls.originate")["queue"].name == settings.CALLS_QUEUE
