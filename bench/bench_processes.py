"""Processes and stores for the end-to-end benchmarks: start, wait, stop, clean up."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"{what}: not ready within {timeout} s")


def stop(proc: subprocess.Popen, name: str, sigint: bool = False) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT if sigint else signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop on SIGTERM, killing it", file=sys.stderr)
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def process(
    cmd: list[str],
    env: dict[str, str],
    log: Path,
    name: str,
    stdout_pipe: bool = False,
    sigint: bool = False,
) -> Iterator[subprocess.Popen]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stderr=out,
            stdout=subprocess.PIPE if stdout_pipe else out,
            start_new_session=True,  # our Ctrl-C reaches only us; we stop them in order
        )
        try:
            yield proc
        finally:
            stop(proc, name, sigint)


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def postgres_database(url: str, keep: bool = False) -> Iterator[None]:
    """A fresh database named in ``url``; dropped afterwards unless ``keep``."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        if not keep:
            _close_django_connections()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _close_django_connections() -> None:
    """A bench that ran Django in this process holds connections to the database."""
    if "django.db" in sys.modules:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()


def flush_redis_db(url: str) -> None:
    """Empty the broker's Redis database (the bench owns it: no stale messages)."""
    import redis

    redis.Redis.from_url(url).flushdb()


# --- the product's processes ---------------------------------------------------------

PY = sys.executable


def start_sandbox(stack, config: Path, env: dict[str, str], log: Path):
    """``python -m sandbox`` on a free port; returns the process and its base URL."""
    cmd = [PY, "-m", "sandbox", "--host", "127.0.0.1", "--port", "0", "--config", str(config)]
    sandbox = stack.enter_context(process(cmd, env, log, "sandbox", stdout_pipe=True))
    line = sandbox.stdout.readline().decode()
    if "listening on" not in line:
        raise RuntimeError(f"sandbox did not start; see {log}")
    return sandbox, line.rsplit(" ", 1)[-1].strip()


def start_worker(stack, env: dict[str, str], log: Path, extra: list[str], queues: str = "calls"):
    """A Celery worker on ``queues``: as the Procfile, `calls` (originates) in one worker
    and `celery` (the "still queued" countdown, housekeeping) in another."""
    cmd = [
        PY,
        "-m",
        "celery",
        "-A",
        "pbxportal",
        "worker",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"bench-{queues}-{os.getpid()}@%h",
        "--queues",
        queues,
        *extra,
    ]
    return stack.enter_context(process(cmd, env, log, f"worker ({queues})"))


def start_applier(stack, env: dict[str, str], log: Path):
    """The event applier (the Procfile's ``events``): webhooks only store events."""
    return stack.enter_context(process([PY, "manage.py", "apply_events"], env, log, "applier"))


def start_uvicorn(stack, env: dict[str, str], log: Path, app: str, port: int, extra: list[str]):
    cmd = [
        PY,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        *extra,
    ]
    web = stack.enter_context(process(cmd, env, log, "uvicorn"))
    wait_for(lambda: _alive(web, log) and _up(f"http://127.0.0.1:{port}/healthz"), 30, "uvicorn")
    return web


def _alive(proc: subprocess.Popen, log: Path) -> bool:
    """True while ``proc`` runs; once it has exited, fail at once with its log's end."""
    if proc.poll() is None:
        return True
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{log.name}: exited ({proc.returncode}) before it was ready:\n{tail}")
