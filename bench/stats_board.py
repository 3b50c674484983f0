"""How long the statistics page's queries and the live board's poll take, run by hand.

    .venv/bin/python bench/stats_board.py [--calls 200000] [--agents 40] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pbxportal_bench_stats \
        .venv/bin/python bench/stats_board.py
    .venv/bin/python bench/stats_board.py --smoke   # seconds, the test run's database

On a fresh test database (a temporary SQLite file, or test_<name> on PostgreSQL, dropped
at the end) it creates one project, N agents and --calls calls spread over the last 30
days (60 % answered, talk 10-600 s, wait 2-40 s, a few still ringing or talking), then
times, as the median of --repeat runs:

  - call_statistics() for "today" and "last 30 days" (totals, series, agent and project
    tables with medians: percentile_cont on PostgreSQL, the Python fallback on SQLite);
  - project_stamp(), which an open board without Redis runs 4 times a second;
  - board(), rendered once per change.

Results: docs/benchmarks.md ("Statistics and live board").
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench_db import check, database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.test_settings")


def seed(calls: int, agents: int) -> object:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from calls.models import Agent, Call, PbxAccount, Project

    rng = random.Random(7)
    account = PbxAccount.objects.create(
        name="bench", vendor="while1", base_url="http://127.0.0.1:9"
    )
    project = Project.objects.create(name="bench", pbx_account=account)
    people = [
        Agent.objects.create(
            user=User.objects.create(username=f"agent{i}", first_name=f"Agent {i}"),
            project=project,
            extension=str(100 + i),
        )
        for i in range(agents)
    ]
    now = timezone.now()
    batch = []
    for _ in range(calls):
        at = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        call = Call(
            project=project,
            agent=rng.choice(people),
            direction="outbound",
            remote_number="+40722123456",
            status="no_answer",
            requested_at=at,
        )
        if rng.random() < 0.6:
            call.status = "completed"
            call.answered_at = at + timedelta(seconds=rng.uniform(2, 40))
            call.duration = rng.randint(10, 600)
            call.ended_at = call.answered_at + timedelta(seconds=call.duration)
        batch.append(call)
    wanted = [call.requested_at for call in batch]
    Call.objects.bulk_create(batch, batch_size=5000)  # auto_now_add stamps "now" on each
    for call, at in zip(batch, wanted, strict=True):
        call.requested_at = at
        call.updated_at = call.ended_at or at
    Call.objects.bulk_update(batch, ["requested_at", "updated_at"], batch_size=5000)
    return project


def timed(label: str, repeat: int, work) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    middle, low, high = statistics.median(runs), min(runs), max(runs)
    print(f"{label:<30} median {middle:8.1f} ms  (min {low:.1f}, max {high:.1f})")
    return middle


SMOKE = {"calls": 300, "agents": 5, "repeat": 1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE}, the test run's database")
    args = parser.parse_args()
    # a var/ of its own (SQLite's test database lives there), removed at the end
    folder = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ.setdefault("PBXPORTAL_VAR_DIR", str(folder))
    if args.smoke:
        vars(args).update(SMOKE)
        # its own test database: test_<DATABASE_URL's name> may be the running suite's
        os.environ["PBXPORTAL_VAR_DIR"] = str(folder)
        os.environ["DATABASE_URL"] = database_url("pbxportal_bench_stats", True, folder)

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        figures, facts = measure(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if args.smoke:
        check("stats_board", figures, facts)


def measure(args) -> tuple[dict[str, float], dict[str, bool]]:
    from django.db import connection

    from calls.board.selectors import board, project_stamp
    from calls.stats.period import parse_period
    from calls.stats.selectors import call_statistics

    started = time.perf_counter()
    project = seed(args.calls, args.agents)
    print(
        f"{connection.vendor}: {args.calls} calls, {args.agents} agents seeded in "
        f"{time.perf_counter() - started:.0f} s"
    )
    today, month = parse_period({"period": "today"}), parse_period({"period": "30d"})
    figures = {
        "statistics, today": timed(
            "statistics, today", args.repeat, lambda: call_statistics(today)
        ),
        "statistics, last 30 days": timed(
            "statistics, last 30 days", args.repeat, lambda: call_statistics(month)
        ),
        "board stamp": timed(
            "board stamp (poll tick)", args.repeat * 20, lambda: project_stamp(project.pk)
        ),
        "board state": timed("board state", args.repeat, lambda: board(project)),
    }
    counted = call_statistics(month).totals.calls
    facts = {
        "the month's statistics count the seeded calls": 0 < counted <= args.calls,
        "the board shows every agent": len(board(project).agents) == args.agents,
    }
    return figures, facts


if __name__ == "__main__":
    main()
