import os

from celery import Celery
from celery.signals import task_prerun
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
