"""Fixtures: one sandbox PBX process per test session, and a local webhook receiver."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The repository root must come first on sys.path: "import sandbox" has to find the real
# package, not the tests/sandbox directory, and tests.sandbox.harness must be importable.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.sandbox.harness import EventReceiver, SandboxProcess, running_sandbox  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The running sandbox: ``.url``, ``.put_account({...})``, ``.wait_call(id)``..."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    server = EventReceiver()
    yield server
    server.close()
