"""Every benchmark still runs: each bench's `--smoke` as a subprocess (issue 15).

The benches drive real processes (uvicorn, gunicorn, the sandbox PBX, Celery, the event
applier), so they broke unseen whenever the product changed under them. A smoke run
takes seconds on tiny data through the same code, on the stores this test run is
configured with (DATABASE_URL's server under a name of its own, CELERY_BROKER_URL,
REDIS_URL; else SQLite and the filesystem broker), and checks that its figures are
numbers and its correctness facts hold. No timing is asserted: timings belong in
docs/benchmarks.md.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.processes import ROOT

pytestmark = pytest.mark.slow

BENCHES = [
    "click_to_pbx",
    "webhooks",
    "lookup",
    "history",
    "stats_board",
    "contacts_import",
    "load_and_fault",
]
# The suite's own settings and var/ must not leak into a bench: it picks its own, and
# stats_board would otherwise create (and drop) the suite's test database.
NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "PBXPORTAL_VAR_DIR"}


def run_smoke(name: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.parametrize("name", BENCHES)
def test_bench_smoke_run_measures_and_checks_its_results(name: str) -> None:
    result = run_smoke(name)

    output = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    assert f"smoke {name}: ok" in result.stdout, output


def test_every_bench_has_a_smoke_run() -> None:
    """A new bench (any bench/*.py with a main) joins the list above."""
    mains = {
        path.stem
        for path in (ROOT / "bench").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text()
    }

    assert mains == set(BENCHES)
