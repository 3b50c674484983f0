"""The whole product as real processes: uvicorn (ASGI), a Celery worker, the event applier,
the sandbox PBX.

They share the test database (a file for SQLite, test_<name> on PostgreSQL) and the
configured broker, so a test sees exactly what a person using `make run` would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connections

from calls.demo import PROJECTS, load_demo, sandbox_accounts
from calls.models import PbxAccount, Project
from tests.processes import (
    ROOT,
    celery_worker,
    database_url,
    event_applier,
    voipcenter_listener,
    wait_for,
)
from tests.sandbox.harness import SandboxProcess, running_sandbox

SANDBOX_TIMING = {
    "SANDBOX_AGENT_ANSWER_DELAY": "0.5",
    "SANDBOX_CUSTOMER_ANSWER_DELAY": "0.7",
    "SANDBOX_TALK_TIME": "1.5",
    # The harness's 0.3 s ring is shorter than the page's 0.25 s database poll plus the
    # applier's lag: a call missed that fast may never be seen ringing, so never popped.
    "SANDBOX_RING_TIMEOUT": "3",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Product:
    url: str
    sandbox: SandboxProcess
    logins: dict[str, str]
    project: Project


@contextmanager
def uvicorn(port: int, env: dict[str, str], log: Path) -> Iterator[None]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "pbxportal.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: _up(f"http://127.0.0.1:{port}/healthz"), timeout=30)
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def product(transactional_db, settings, tmp_path) -> Iterator[Product]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.PUBLIC_BASE_URL = base
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbxportal.test_settings",
        "DATABASE_URL": database_url(),
        "PUBLIC_BASE_URL": base,
    }
    with running_sandbox(tmp_path, env=SANDBOX_TIMING) as sandbox:
        settings.SANDBOX_PBX_URL = sandbox.url
        logins = {login.username: login.password for login in load_demo()}
        project = Project.objects.get(name=PROJECTS[0].name)  # While1, as in `make run`
        for account in sandbox_accounts():
            sandbox.put_account(account)
        _listen_to(sandbox)
        with (
            celery_worker(extra_env=env),
            event_applier(extra_env=env),
            voipcenter_listener(extra_env=env),
            uvicorn(port, env, tmp_path / "web.log"),
        ):
            yield Product(url=base, sandbox=sandbox, logins=logins, project=project)


def _listen_to(sandbox: SandboxProcess) -> None:
    """This sandbox's stream port is picked at random, not the demo's port + 1."""
    account = PbxAccount.objects.get(vendor="voipcenter")
    stream = sandbox.http("GET", "/_sandbox/health").json()["voipcenter_stream"]
    account.set_credentials({"ws_url": stream})
    account.save()


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test's thread; the test's own ORM
    # reads there are plain synchronous queries, which Django would otherwise refuse.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        try:
            yield page
        finally:
            browser.close()
            # The test's ORM reads ran while Playwright's loop was running, so their
            # connection belongs to that loop's context, where the suite's own teardown
            # never looks: left open, PostgreSQL refuses to drop the test database.
            connections.close_all()
