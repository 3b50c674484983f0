"""Webhook ingestion throughput, latency and correctness against baseline A, run by hand.

    .venv/bin/python bench/webhooks.py [--calls 4000] [--baseline-seconds 10]
    .venv/bin/python bench/webhooks.py --smoke   # seconds, the test run's database

On a fresh PostgreSQL database (pbxportal_bench_hooks, dropped at the end) it
creates a Telphin project with agents and outbound calls (vendor_call_id = the
CallAPIID the events carry), pre-generates realistic Telphin events for every
call (dial-out / answer / hangup with the outcomes a call centre sees), shuffled
within each call, 5% delivered twice, calls interleaved as if ~200 were live at
once. gunicorn (2 sync workers, persistent connections) serves the product and
the baseline; wrk (16 connections, bench/webhooks.lua) then runs

  1. baseline A: POST /bench/insert/, one INSERT of the body (bench/baseline_urls.py);
  2. the events, each request sent once, POST /hooks/telphin/<token>/;
  3. baseline A again (the ratio uses the mean of both, since numbers drift).

Afterwards every call's status / answered_at / ended_at / duration / reason is
compared with what the in-order sequence gives (calls.states.apply), and the
stored event and log rows are counted. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import bench_db
import harness
from webhooks_traffic import (
    START_STATUS,
    BenchCall,
    delivery_order,
    expected_finals,
    make_calls,
    warm_up_lines,
)

DB_NAME = "pbxportal_bench_hooks"
SMOKE = {"calls": 40, "baseline_seconds": 1, "max_seconds": 30, "warm_calls": 10}


def create_world(calls: list[BenchCall]):
    """Migrate, then the Telphin project and one agent with one outbound call in progress
    per BenchCall (one active outbound call per agent: constraint call_one_active_outbound)."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from bench.baseline_urls import create_table_sql
    from calls.models import Agent, Call, PbxAccount, Project

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(create_table_sql(connection.vendor))
    account = PbxAccount(name="bench telphin", vendor="telphin", base_url="http://127.0.0.1:9")
    account.set_credentials({"client_id": "bench", "client_secret": "bench-secret"})
    account.save()
    project = Project.objects.create(name="bench", pbx_account=account, region="RO")
    users = User.objects.bulk_create(
        (User(username=f"bench{n}") for n in range(len(calls))), batch_size=2000
    )
    agents = Agent.objects.bulk_create(
        (
            Agent(user=u, project=project, extension=c.extension)
            for u, c in zip(users, calls, strict=True)
        ),
        batch_size=2000,
    )
    Call.objects.bulk_create(
        (
            Call(
                project=project,
                agent=agents[i],
                direction="outbound",
                remote_number=c.number,
                status=START_STATUS,
                vendor_call_id=c.call_id,
            )
            for i, c in enumerate(calls)
        ),
        batch_size=2000,
    )
    return project


def high_water() -> tuple[int, int]:
    """The last event and log row ids: rows after them belong to the measured run."""
    from django.db.models import Max

    from calls.models import CallEvent, WebhookRequest

    return (
        CallEvent.objects.aggregate(n=Max("id"))["n"] or 0,
        WebhookRequest.objects.aggregate(n=Max("id"))["n"] or 0,
    )


def check(
    project, finals: dict[str, tuple], distinct_events: int, deliveries: int, since: tuple[int, int]
) -> dict:
    """Calls whose final row differs from the in-order result; stored rows counted."""
    from calls.models import Call, CallEvent, WebhookRequest

    rows = Call.objects.filter(project=project).values_list(
        "vendor_call_id", "status", "answered_at", "ended_at", "duration", "failure_reason"
    )
    wrong = Counter()
    for call_id, *got in rows:
        want = finals.get(call_id)
        if want is None:
            continue
        if tuple(got) != want:
            wrong["lost" if got[0] == START_STATUS else "wrongly final"] += 1
    stored = CallEvent.objects.filter(project=project, id__gt=since[0])
    return {
        "calls": len(finals),
        "lost": wrong["lost"],
        "wrongly_final": wrong["wrongly final"],
        "events_stored": stored.count(),
        "events_expected": distinct_events,
        "events_without_call": stored.filter(call__isnull=True).count(),
        "log_rows": WebhookRequest.objects.filter(
            project=project, verdict="accepted", id__gt=since[1]
        ).count(),
        "deliveries": deliveries,
    }


def run(args: argparse.Namespace, work: Path, url: str) -> None:
    env = harness.use_django(url, work, args.redis)
    rng = random.Random(args.seed)
    calls = make_calls(args.calls, rng)
    order = delivery_order(calls, rng)
    finals = expected_finals(calls)
    project = create_world(calls)
    hook = f"/hooks/telphin/{project.webhook_token}/"
    events_file = harness.write_requests(work / "events.txt", [("POST", hook, b) for b in order])
    baseline_file = harness.write_requests(
        work / "baseline.txt", [("POST", "/bench/insert/", b) for b in order[:2000]]
    )
    warm_file = harness.write_requests(
        work / "warm.txt", warm_up_lines(project.webhook_token, args.warm_calls)
    )
    distinct = sum(len(c.events) for c in calls)
    print(f"{len(calls)} calls, {len(order)} deliveries ({len(order) - distinct} duplicates)")
    logs = work if args.smoke else None
    applier_log = harness.log_path("hooks", logs).with_name("hooks-applier.log")
    with harness.gunicorn(env, harness.log_path("hooks", logs)) as base, ExitStack() as applier:

        def start_applier() -> None:
            applier.enter_context(harness.event_applier(env, applier_log, args.applier_nice))

        start_applier()
        harness.run_wrk("warm-up", base, warm_file, seconds=20, once=True)
        if not args.smoke:  # steadies the figures; the events' warm-up above is a path
            harness.run_wrk("warm-up", base, baseline_file, seconds=2)
        wait_for_drain(args.max_seconds)
        since = high_water()
        a1 = harness.run_wrk(
            "baseline A (insert one row) #1", base, baseline_file, seconds=args.baseline_seconds
        )
        if args.defer_applier:
            applier.close()  # the burst is only stored; the applier catches up afterwards
        hooks = harness.run_wrk(
            "webhook events (each once)", base, events_file, seconds=args.max_seconds, once=True
        )
        if args.defer_applier:
            start_applier()
        drain = wait_for_drain(args.max_seconds)
        a2 = harness.run_wrk(
            "baseline A (insert one row) #2", base, baseline_file, seconds=args.baseline_seconds
        )
    verdict = check(project, finals, distinct, len(order), since)
    report(args, [a1, hooks, a2], verdict, apply_timing(project, since, drain))


def wait_for_drain(limit: float) -> float:
    """Seconds until the applier has no queued request left (the next step must not share
    the CPU with it)."""
    from calls.models import WebhookRequest

    started = time.monotonic()
    while WebhookRequest.objects.filter(verdict="queued").exists():
        if time.monotonic() - started > limit:
            raise SystemExit(f"the applier did not drain the queue within {limit} s")
        time.sleep(0.05)
    return time.monotonic() - started


def apply_timing(project, since: tuple[int, int], drain: float) -> dict:
    """How long events waited in the queue, and the applier's own rate over the run."""
    from calls.models import WebhookRequest

    rows = list(
        WebhookRequest.objects.filter(project=project, id__gt=since[1], verdict="accepted")
        .values_list("received_at", "applied_at")
        .order_by("id")
    )
    waits = sorted((done - got).total_seconds() * 1000 for got, done in rows)
    span = (max(d for _, d in rows) - min(g for g, _ in rows)).total_seconds()

    def pct(q: float) -> float:
        return waits[min(len(waits) - 1, int(q * len(waits)))]

    return {
        "wait_p50_ms": round(pct(0.50), 1),
        "wait_p99_ms": round(pct(0.99), 1),
        "wait_max_ms": round(waits[-1], 1),
        "drain_after_last_answer_s": round(drain, 2),
        "applied_per_s": round(len(rows) / span) if span else 0,
    }


def report(
    args: argparse.Namespace, rows: list[harness.WrkResult], verdict: dict, timing: dict
) -> None:
    a1, hooks, a2 = rows
    reference = (a1.rate + a2.rate) / 2
    print()
    print(f"machine: {harness.machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"gunicorn 2 sync workers, wrk -t2 -c16; redis publish: {args.redis or 'off'}; "
        f"event applier: 1 process, nice {args.applier_nice}"
        + (", stopped during the event run" if args.defer_applier else ", running throughout")
    )
    print(harness.table(rows, reference))
    ratio = hooks.rate / reference
    print()
    print("after the run: " + ", ".join(f"{k}={v}" for k, v in verdict.items()))
    print("event applier: " + ", ".join(f"{k}={v}" for k, v in timing.items()))
    met = {
        "throughput >= 0.7x baseline A": ratio >= 0.7,
        "p99 <= 50 ms": hooks.p99_ms <= 50,
        "0 lost or wrongly final": verdict["lost"] == verdict["wrongly_final"] == 0,
        "every event stored once": verdict["events_stored"] == verdict["events_expected"],
        "every event found its call": verdict["events_without_call"] == 0,
        "every delivery answered 200": hooks.non200 == 0
        and hooks.answered == verdict["deliveries"],
    }
    for name, ok in met.items():
        print(f"  {'MET   ' if ok else 'MISSED'} {name}")
    if args.smoke:
        check_smoke(rows, ratio, verdict, timing)


def check_smoke(rows: list[harness.WrkResult], ratio: float, verdict: dict, timing: dict) -> None:
    """Figures that are numbers, and the correctness the full run promises; no timings."""
    figures = {f"{r.label} {k}": getattr(r, k) for r in rows for k in ("rate", "p50_ms")}
    figures |= {"ratio": ratio, "applied per s": timing["applied_per_s"]}
    figures["queue wait p50 ms"] = timing["wait_p50_ms"]
    hooks = rows[1]
    bench_db.check(
        "webhooks",
        figures,
        {
            "0 lost or wrongly final": verdict["lost"] == verdict["wrongly_final"] == 0,
            "every event stored once": verdict["events_stored"] == verdict["events_expected"],
            "every delivery answered 200": hooks.non200 == 0
            and hooks.answered == verdict["deliveries"],
            "every delivery applied": verdict["log_rows"] == verdict["deliveries"],
            "every event found its call": verdict["events_without_call"] == 0,
        },
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--warm-calls", type=int, default=300, help="calls of warm-up events")
    parser.add_argument("--baseline-seconds", type=int, default=10)
    parser.add_argument("--max-seconds", type=int, default=120, help="bound on the event run")
    parser.add_argument("--seed", type=int, default=20251127)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/11",
        help="REDIS_URL for live updates ('' for none, as without Redis)",
    )
    parser.add_argument(
        "--defer-applier",
        action="store_true",
        help="stop the event applier during the event run and start it after (a burst "
        "absorbed by the queue, then applied)",
    )
    parser.add_argument(
        "--applier-nice",
        type=int,
        default=0,
        help="run the event applier under nice -n N (0: same priority as gunicorn)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE}, the test run's DATABASE_URL / REDIS_URL (else SQLite, no Redis); checks",
    )
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE, redis=os.environ.get("REDIS_URL", ""))
    return harness.run_in_fresh_database(run, args, DB_NAME, "bench-hooks-")


if __name__ == "__main__":
    sys.exit(main())
