"""Settings for the test suite: the same as production's reading of the environment,
with a var/ of its own so tests never touch the data or broker of a running `make run`."""

import os
import secrets
from pathlib import Path

# Test databases are created and dropped while the suite runs; a pool would keep
# connections to them open. The pool itself is exercised by bench/click_to_pbx.py.
os.environ.setdefault("DB_POOL", "0")
# Under pytest-xdist each worker gets a var/ of its own (SQLite files, the filesystem
# broker, logs), below PBXPORTAL_VAR_DIR when that is set: the worker and applier
# processes a test starts inherit it, so a Celery worker of one xdist worker never takes
# another's tasks.
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
_VAR = Path(
    os.environ.get("PBXPORTAL_VAR_DIR") or Path(__file__).resolve().parent.parent / "var" / "test"
)
if _XDIST and _VAR.name != _XDIST:  # a process a test started has it already
    _VAR = _VAR / _XDIST
os.environ["PBXPORTAL_VAR_DIR"] = str(_VAR)
# Redis pub/sub channels are shared by every db number: live updates get a prefix of this
# run (kept in the environment, so the workers and the processes they start agree) and of
# this xdist worker, so no other run or worker hears of its agents and projects.
_RUN = os.environ.setdefault("PBXPORTAL_TEST_RUN", secrets.token_hex(4))
os.environ["LIVE_CHANNEL_PREFIX"] = "-".join(filter(None, ("pbxportal-test", _RUN, _XDIST)))

from pbxportal.settings import *  # noqa: E402, F403

if _XDIST and CELERY_BROKER_URL.startswith("redis"):  # noqa: F405
    # One Redis for every xdist worker: kombu keeps each worker's queues apart by prefix.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_XDIST}:"}

# Hashing demo and factory passwords at full strength costs seconds per test run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Django's test client logs in without a request, which django-axes refuses; the tests
# of the lockout itself turn it on (tests/hardening/test_login_lockout.py). Failed API
# tokens are throttled per address and every test comes from 127.0.0.1: not here.
AXES_ENABLED = False
API_FAILED_AUTH_RATE = "100000/min"
