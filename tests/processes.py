"""Real processes for tests: a Celery worker on the configured broker, the event applier."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database as a DATABASE_URL, for the processes a test starts."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(extra_env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A worker process with the test settings (same database and broker as the tests)."""
    args = ["-m", "celery", "-A", "pbxportal", "worker", "--pool", "solo", "--loglevel", "INFO"]
    args += ["--queues", "calls,celery"]  # both of the Procfile's workers in one
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with _process(args, "worker.log", extra_env) as proc:
        yield proc


@contextmanager
def event_applier(extra_env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``manage.py apply_events`` (the Procfile's ``events``) on the test database."""
    with _process(["manage.py", "apply_events"], "events.log", extra_env) as proc:
        yield proc


@contextmanager
def voipcenter_listener(extra_env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``manage.py listen_voipcenter`` (the Procfile's ``voipcenter``) on the test database."""
    args = ["manage.py", "listen_voipcenter", "--refresh", "0.5"]
    with _process(args, "voipcenter.log", extra_env) as proc:
        yield proc


@contextmanager
def _process(args: list[str], log_name: str, extra_env: dict[str, str] | None):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pbxportal.test_settings", **(extra_env or {})}
    log = open(settings.VAR_DIR / log_name, "ab")  # the test settings' var dir
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy; return its value or fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
