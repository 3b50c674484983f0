"""A real Celery worker process consumes the configured broker (filesystem or Redis)."""

import pytest
from django.conf import settings

from calls.maintenance.tasks import ping
from tests.processes import celery_worker


@pytest.mark.slow
def test_a_task_round_trips_through_a_real_worker():
    log = settings.VAR_DIR / "worker.log"
    seen = log.stat().st_size if log.exists() else 0
    with celery_worker():
        result = ping.delay("hello")
        assert result.get(timeout=60) == "pong:hello"
    print("broker:", settings.CELERY_BROKER_URL.split("://")[0])
    with open(log, "rb") as started:
        started.seek(seen)
        assert b"deprecated" not in started.read().lower()  # no false warning at start


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


def test_celery_takes_every_celery_setting_from_django():
    from pbxportal.celery import app

    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is settings.CELERY_TASK_ACKS_LATE is True
    assert app.conf.worker_prefetch_multiplier == settings.CELERY_WORKER_PREFETCH_MULTIPLIER
    assert app.conf.task_publish_retry_policy == settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    assert set(app.conf.beat_schedule) == set(settings.CELERY_BEAT_SCHEDULE)
    assert app.conf.imports == settings.CELERY_IMPORTS
    # Celery's timezone is CELERY_TIMEZONE, not Django's TIME_ZONE
    assert app.conf.timezone == settings.CELERY_TIMEZONE


def test_the_worker_keeps_database_connections_for_as_many_tasks_as_configured():
    from celery.fixups.django import DjangoWorkerFixup

    from pbxportal.celery import app

    assert DjangoWorkerFixup(app).db_reuse_max == settings.CELERY_DB_REUSE_MAX == 1000
