import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")

# filesystem:// (the embedded default) uses our atomic-write variant of kombu's transport.
TRANSPORT_ALIASES["filesystem"] = "pbxportal.broker:Transport"

app = Celery("pbxportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_dead_connections(task=None, **_: object) -> None:
    """Workers keep their database connection between tasks (CELERY_DB_REUSE_MAX), so
    one that died, e.g. after a PostgreSQL restart, is replaced before the task runs.
    An eager task runs inside its caller's connection and transaction: leave those be."""
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


_warm_up = None


@worker_ready.connect
def _freeze_when_ready(**_: object) -> None:
    """pbxportal/gcwarm.py: full collections paused the worker for 70-170 ms."""
    global _warm_up
    from pbxportal.gcwarm import WarmUp, freeze

    _warm_up = WarmUp(after=50, what="tasks")
    freeze("worker ready")


@task_postrun.connect
def _after_task(task=None, **_: object) -> None:
    if task is not None and task.request.is_eager:
        return
    # Give the connection back (to the pool on PostgreSQL) now, not when this thread or
    # process next runs a task: with the `calls` worker's threads, idle threads would
    # each hold one and starve the pool.
    from django.db import close_old_connections

    close_old_connections()
    if _warm_up is not None:
        _warm_up.done_one()
