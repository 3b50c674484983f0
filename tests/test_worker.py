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
