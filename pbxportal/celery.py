import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from celery import Celery
from celery.app.defaults import SETTING_KEYS
from celery.signals import task_postrun, worker_ready
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")

# filesystem:// (the embedded default) uses our atomic-write variant of kombu's transport,
# redis:// one that keeps its client (pbxportal/broker.py).
TRANSPORT_ALIASES["filesystem"] = "pbxportal.broker:Transport"
TRANSPORT_ALIASES["redis"] = TRANSPORT_ALIASES["rediss"] = "pbxportal.broker:RedisTransport"


class DjangoCelerySettings(Mapping):
    """Django's CELERY_* settings, read once, when Celery first needs them, under
    Celery's own names (CELERY_TASK_ROUTES is ``task_routes``); a name Celery does not
    define keeps its Django spelling (its Django fix-up asks for CELERY_DB_REUSE_MAX).

    Celery looks each setting up again for every message it sends, under several
    spellings and in each of its sources. Against Django's lazy settings object every
    miss raised and caught an AttributeError: about 40 µs of each `originate.delay()`,
    on the click's way to the PBX. A dict answers at once. Nothing changes Celery's
    settings while a process runs. Celery's own names, not a "CELERY" namespace: given
    anything but the string "django.conf:settings", Celery takes CELERY_IMPORTS and
    the like for its pre-4.0 names and the worker warns about each (celery #6366).
    """

    @cached_property
    def _settings(self) -> dict[str, Any]:
        from django.conf import settings

        found = {}
        for name in dir(settings):
            if name.startswith("CELERY_"):
                own = name.removeprefix("CELERY_").lower()
                found[own if own in SETTING_KEYS else name] = getattr(settings, name)
        return found

    def __getitem__(self, name: str) -> Any:
        return self._settings[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settings)

    def __len__(self) -> int:
        return len(self._settings)


app = Celery("pbxportal")
app.config_from_object(DjangoCelerySettings())
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
