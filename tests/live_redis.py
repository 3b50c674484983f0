"""Live updates through Redis pub/sub in tests: the run's Redis, else a local one."""

from __future__ import annotations

import os

import pytest


def use_redis(settings) -> None:
    """Publish live updates through Redis: the run's REDIS_URL (CI's second run), else
    TEST_REDIS_URL or a Redis at 127.0.0.1:6379; skipped when none answers. Pub/sub ignores
    the db number: runs and xdist workers keep apart by LIVE_CHANNEL_PREFIX (test settings)."""
    import redis

    settings.REDIS_URL = settings.REDIS_URL or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/0"
    )
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis answers (REDIS_URL, TEST_REDIS_URL or 127.0.0.1:6379)")
