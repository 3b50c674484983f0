"""bench/click_to_pbx.py's command line: its presets and options (bench/README.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

PRESETS = {
    # the embedded defaults: nothing to install
    "embedded": {"database": "sqlite", "broker": "filesystem://", "redis": ""},
    # production-like: PostgreSQL, Redis broker, Redis pub/sub for live updates
    "redis": {
        "database": "postgres://postgres@127.0.0.1:5432/pbxportal_bench",
        "broker": "redis://127.0.0.1:6379/13",
        "redis": "redis://127.0.0.1:6379/12",
    },
}


# seconds: proves the bench still runs (tests/test_benches.py); 2 agents, 2 logins to hash
SMOKE = {"calls": 3, "warmup": 1, "agents": 2, "concurrency": 1, "call_timeout": 20.0}


def smoke_stores(environ: dict[str, str]) -> dict[str, str]:
    """A smoke run's database, broker and live channel: what the test run is configured
    with (DATABASE_URL's server, CELERY_BROKER_URL, REDIS_URL), else the embedded ones."""
    from bench_db import configured_postgres

    server = configured_postgres()
    broker = environ.get("CELERY_BROKER_URL", "")
    return {
        "database": f"{server}/pbxportal_bench_smoke_{os.getpid()}" if server else "sqlite",
        "broker": broker if broker.startswith("redis") else "filesystem://",
        "redis": environ.get("REDIS_URL", ""),
    }


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="embedded",
        help="embedded: SQLite + filesystem broker + DB poll; "
        "redis: PostgreSQL + Redis broker + Redis pub/sub",
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10, help="calls not measured")
    parser.add_argument("--concurrency", type=int, default=1, help="parallel clickers")
    via = "api: POST /api/v1/calls/ with a token; dialer: POST /calls/start/ with the session"
    parser.add_argument("--via", default="api", choices=["api", "dialer"], help=via)
    parser.add_argument(
        "--client",
        default="http.client",
        choices=["http.client", "requests"],
        help="the clickers' HTTP client; requests: as measured until 2026-11-28 (README)",
    )
    parser.add_argument("--agents", type=int, default=0, help="agents (default 8 per clicker)")
    parser.add_argument("--pause", type=float, default=0.05, help="s between one clicker's calls")
    parser.add_argument("--database-url", help="override the preset's (name must hold 'bench')")
    parser.add_argument("--broker-url", help="override the preset's CELERY_BROKER_URL")
    parser.add_argument("--redis-url", help="override the preset's REDIS_URL ('' = DB poll)")
    # the Procfile's `calls` worker
    parser.add_argument("--pool", default="threads", choices=["prefork", "solo", "threads"])
    parser.add_argument("--worker-concurrency", type=int, default=8)
    parser.add_argument(
        "--polling-interval",
        type=float,
        help="CELERY_POLLING_INTERVAL (filesystem broker), default: settings",
    )
    parser.add_argument(
        "--worker-arg",
        action="append",
        default=[],
        help="extra celery worker argument (repeatable)",
    )
    parser.add_argument(
        "--uvicorn-arg", action="append", default=[], help="extra uvicorn argument (repeatable)"
    )
    parser.add_argument("--agent-answer-delay", type=float, default=0.05)
    parser.add_argument("--customer-answer-delay", type=float, default=0.1)
    parser.add_argument(
        "--talk-time",
        type=float,
        default=0.8,
        help="s; longer than the SSE poll interval so 'answered' is seen",
    )
    parser.add_argument("--call-timeout", type=float, default=10.0)
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy (pip install py-spy) web and worker during the measured "
        "calls; collapsed stacks into this folder",
    )
    parser.add_argument(
        "--profile-idle",
        action="store_true",
        help="py-spy --idle (wall time; default: --gil, the thread holding the GIL, i.e. CPU)",
    )
    parser.add_argument(
        "--settings",
        default="pbxportal.settings",
        help="DJANGO_SETTINGS_MODULE for every process (experiments)",
    )
    parser.add_argument(
        "--asgi", default="pbxportal.asgi:application", help="uvicorn application (experiments)"
    )
    parser.add_argument(
        "--disk-probe",
        action="store_true",
        help="fsync a file every 20 ms and report the disk's stalls (bench/disk_probe.py)",
    )
    parser.add_argument("--json", type=Path, help="write the result (and samples) here")
    parser.add_argument("--samples", action="store_true", help="keep per-call samples in --json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (logs)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE} on the test run's stores (else embedded); checks figures, not timings",
    )
    return parser
