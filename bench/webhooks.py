"""Webhook ingestion throughput, latency and correctness against baseline A, run by hand.

    .venv/bin/python bench/webhooks.py [--calls 4000] [--baseline-seconds 10]

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
import random
import sys
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import harness

DB_NAME = "pbxportal_bench_hooks"
AGENTS = 50
LIVE_CALLS = 200  # calls in progress at once in the delivery order
DUPLICATE_SHARE = 0.05
START_STATUS = "agent_ringing"  # where a Telphin call is once its callback was accepted
# outcome -> share of calls; "answered" walks dial-out, answer, hangup(ANSWER)
SCENARIOS = {"answered": 65, "BUSY": 15, "NOANSWER": 12, "CANCEL": 5, "CHANUNAVAIL": 3}


@dataclass
class BenchCall:
    api_id: str
    extension: str
    number: str
    events: list[str]  # form-encoded bodies, in the order Telphin made them


def telphin_event(
    call: BenchCall,
    call_id: str,
    sub_id: str,
    kind: str,
    at_us: int,
    status: str,
    duration_us: int | None = None,
) -> str:
    fields = {
        "EventType": kind,
        "CallID": call_id,
        "SubCallID": sub_id,
        "CallAPIID": call.api_id,
        "CallerIDNum": call.extension,
        "CallerIDName": "Bench Agent",
        "CalledDID": "",
        "CalledNumber": call.number,
        "CallerExtension": f"{call.extension}@sipproxy.telphin.ru",
        "CallerExtensionID": "175",
        "CalledExtension": "",
        "CalledExtensionID": "",
        "CallFlow": "out",
        "CallStatus": status,
        "EventTime": str(at_us),
    }
    if duration_us is not None:
        fields["Duration"] = str(duration_us)
    return urlencode(fields)


def make_calls(count: int, rng: random.Random) -> list[BenchCall]:
    start_us = int(datetime(2025, 11, 27, 9, 0, tzinfo=UTC).timestamp() * 1_000_000)
    names, weights = zip(*SCENARIOS.items(), strict=True)
    calls = []
    for i in range(count):
        call = BenchCall(
            api_id=f"3584-{uuid.UUID(int=rng.getrandbits(128))}",
            extension=f"000*{100 + i % AGENTS}",
            number=f"+4072{i:07d}",
            events=[],
        )
        call_id, sub_id = uuid.UUID(int=rng.getrandbits(128)).hex, f"{i:032x}"
        t = start_us + i * 50_000
        outcome = rng.choices(names, weights)[0]

        def event(kind, at, status, duration=None, c=call, a=call_id, s=sub_id):
            return telphin_event(c, a, s, kind, at, status, duration)

        if outcome != "CHANUNAVAIL":
            call.events.append(event("dial-out", t, "CALLING"))
        if outcome == "answered":
            answer = t + rng.randint(2, 20) * 1_000_000
            talk = rng.randint(5_000_000, 300_000_000)
            call.events.append(event("answer", answer, "ANSWER"))
            call.events.append(event("hangup", answer + talk, "ANSWER", talk))
        else:
            call.events.append(event("hangup", t + rng.randint(1, 30) * 1_000_000, outcome, 0))
        calls.append(call)
    return calls


def delivery_order(calls: list[BenchCall], rng: random.Random) -> list[str]:
    """Shuffled within each call, 5% twice, ~LIVE_CALLS calls interleaved."""
    pending = []
    for call in calls:
        bodies = list(call.events)
        for body in call.events:
            if rng.random() < DUPLICATE_SHARE:
                bodies.append(body)
        rng.shuffle(bodies)
        pending.append(bodies)
    order: list[str] = []
    live: list[list[str]] = []
    queue = iter(pending)
    while True:
        while len(live) < LIVE_CALLS and (nxt := next(queue, None)) is not None:
            live.append(nxt)
        if not live:
            return order
        slot = rng.randrange(len(live))
        order.append(live[slot].pop())
        if not live[slot]:
            live[slot] = live[-1]
            live.pop()


def expected_finals(calls: list[BenchCall]) -> dict[str, tuple]:
    """What each call ends as when its events are applied once, in order."""
    from calls import states
    from calls.pbx.telphin_events import normalize

    finals = {}
    for call in calls:
        state = states.CallState(status=START_STATUS)
        for body in call.events:
            event = normalize(dict(_fields(body)))
            facts = states.EventFacts(
                kind=event.kind,
                at=event.occurred_at,
                leg=event.leg,
                outcome=event.outcome,
                reason=event.reason,
            )
            state = states.apply(state, facts)
        finals[call.api_id] = (
            state.status,
            state.answered_at,
            state.ended_at,
            state.duration,
            state.failure_reason,
        )
    return finals


def _fields(body: str):
    from urllib.parse import parse_qsl

    return parse_qsl(body, keep_blank_values=True)


def create_world(calls: list[BenchCall]):
    """Migrate, then the Telphin project, its agents and one outbound call per BenchCall."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from bench.baseline_urls import CREATE_TABLE
    from calls.models import Agent, Call, PbxAccount, Project

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
    account = PbxAccount(name="bench telphin", vendor="telphin", base_url="http://127.0.0.1:9")
    account.set_credentials({"client_id": "bench", "client_secret": "bench-secret"})
    account.save()
    project = Project.objects.create(name="bench", pbx_account=account, region="RO")
    users = User.objects.bulk_create(User(username=f"bench{n}") for n in range(AGENTS))
    agents = Agent.objects.bulk_create(
        Agent(user=u, project=project, extension=f"000*{100 + n}") for n, u in enumerate(users)
    )
    Call.objects.bulk_create(
        (
            Call(
                project=project,
                agent=agents[i % AGENTS],
                direction="outbound",
                remote_number=c.number,
                status=START_STATUS,
                vendor_call_id=c.api_id,
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
    for api_id, *got in rows:
        want = finals.get(api_id)
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


def warm_up_lines(token: str, count: int) -> list[tuple[str, str, str]]:
    """Events for a call that does not exist: exercises the whole path, changes no call."""
    rng = random.Random(99)
    ghost = make_calls(count, rng)
    for call in ghost:
        call.api_id = "warmup-" + call.api_id
        call.events = [b.replace("CallAPIID=3584-", "CallAPIID=warmup-3584-") for b in call.events]
    hook = f"/hooks/telphin/{token}/"
    return [("POST", hook, body) for c in ghost for body in c.events]


def run(args: argparse.Namespace, work: Path) -> None:
    env = harness.use_django(DB_NAME, args.redis)
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
    warm_file = harness.write_requests(work / "warm.txt", warm_up_lines(project.webhook_token, 300))
    distinct = sum(len(c.events) for c in calls)
    print(f"{len(calls)} calls, {len(order)} deliveries ({len(order) - distinct} duplicates)")
    applier_log = harness.log_path("hooks").with_name("hooks-applier.log")
    with harness.gunicorn(env, harness.log_path("hooks")) as base, ExitStack() as applier:

        def start_applier() -> None:
            applier.enter_context(harness.event_applier(env, applier_log, args.applier_nice))

        start_applier()
        harness.run_wrk("warm-up", base, warm_file, seconds=20, once=True)
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
        "every delivery answered 200": hooks.non200 == 0 and hooks.answered == len_or(verdict),
    }
    for name, ok in met.items():
        print(f"  {'MET   ' if ok else 'MISSED'} {name}")


def len_or(verdict: dict) -> int:
    return verdict["deliveries"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
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
    args = parser.parse_args()
    return harness.run_in_fresh_database(run, args, DB_NAME, "bench-hooks-")


if __name__ == "__main__":
    sys.exit(main())
