import os

from celery import Celery
from celery.signals import task_postrun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")

# Django's CELERY_* settings under Celery's own names (CELERY_TASK_ROUTES is
# ``task_routes``). The string, not the settings object: from it alone the worker does
# not take CELERY_IMPORTS and the like for Celery's pre-4.0 names (celery #6366).
app = Celery("pbxportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
    """After every task, failed or retried ones too (postrun is always sent):

    - the database connection goes back (to the pool on PostgreSQL) at once, not when
      this thread next runs a task: idle threads of the `calls` worker would each hold
      one and starve the pool;
    - a kept connection (SQLite, or CONN_MAX_AGE without the pool) is checked before
      its next use, so one that died, e.g. with a PostgreSQL restart, is replaced.

    An eager task runs inside its caller's connection and transaction: leave those be.
    """
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
    if _warm_up is not None:
        _warm_up.done_one()
