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
# One Redis serves every run and xdist worker, and pub/sub ignores its db number: live
# updates and the broker's queues get a prefix of this run and worker, kept in the
# environment so the processes a test starts (benches too) agree with it.
_RUN = os.environ.setdefault("PBXPORTAL_TEST_RUN", secrets.token_hex(4))
_PREFIX = "-".join(filter(None, ("pbxportal-test", _RUN, _XDIST)))
os.environ["LIVE_CHANNEL_PREFIX"] = _PREFIX
os.environ["CELERY_BROKER_KEY_PREFIX"] = f"{_PREFIX}:"

from pbxportal.settings import *  # noqa: E402, F403

# Hashing demo and factory passwords at full strength costs seconds per test run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Django's test client logs in without a request, which django-axes refuses; the tests
# of the lockout itself turn it on (tests/hardening/test_login_lockout.py). Failed API
# tokens are throttled per address and every test comes from 127.0.0.1: not here.
AXES_ENABLED = False
API_FAILED_AUTH_RATE = "100000/min"
