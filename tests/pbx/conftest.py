"""One sandbox PBX process per test module that asks for it, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.harness import EventReceiver, SandboxProcess, running_sandbox

# A whole simulated call in about 0.2 s; hang_time only bounds how long a magic-504
# request stays held in the sandbox, the adapters give up long before.
FAST = {
    "SANDBOX_AGENT_ANSWER_DELAY": "0.05",
    "SANDBOX_CUSTOMER_ANSWER_DELAY": "0.05",
    "SANDBOX_TALK_TIME": "0.1",
    "SANDBOX_RING_TIMEOUT": "0.3",
    "SANDBOX_HANG_TIME": "3",
    "SANDBOX_DELIVERY_BACKOFF": "0.05",
}


@pytest.fixture(scope="module")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox"), env=FAST) as sandbox:
        yield sandbox


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    server = EventReceiver()
    yield server
    server.close()


# Telphin adapter tests: a fake clock, a token cache on it, an adapter using both.
from tests.pbx.telphin_support import adapter, cache, clock  # noqa: E402,F401
