"""Click-to-PBX and event-to-screen latency of the whole product, run by hand.

Starts the real processes on a fresh database: the sandbox PBX (``python -m sandbox``),
a Celery worker and uvicorn (``pbxportal.asgi``); logs in one SSE client per agent on
``/live/agent/``; places N calls through ``POST /api/v1/calls/`` and measures per call

  (a) click -> PBX: the POST leaves this process -> the originate request is received
      by the sandbox (its request log ``time``, same machine clock);
  (b) event -> SSE: the sandbox starts delivering the customer ``answer`` event
      (``events[].deliveries[].attempts[].at``) -> the agent's SSE stream delivers an
      ``event: call`` card with ``status-answered`` for that number.

Everything is loopback, every wait is bounded, and the processes, the temporary
var directory and the PostgreSQL bench database are removed at the end.
See bench/README.md; results and their reading in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from bench_processes import (
    _up,
    flush_redis_db,
    free_port,
    postgres_database,
    process,
    wait_for,
)
from measure import (  # bench/ is on sys.path as the script's folder
    cpu_seconds,
    machine_busy,
    summary,
)
from sse_client import TERMINAL, SseClient, login

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ABORT = threading.Event()  # a process died or calls keep failing: stop clicking
MAX_CONSECUTIVE_ERRORS = 5

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


# --- data set-up (runs in a child process with the product's settings) ---------------


def setup_data(agents: int) -> None:
    """Migrate, load the demo, add bench agents with API tokens; print their logins."""
    import django

    django.setup()
    import secrets

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from calls import roles
    from calls.demo import load_demo
    from calls.models import Agent, Project

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    project = Project.objects.get(name="Demo call centre")
    group = Group.objects.get(name=roles.AGENT)
    logins = []
    for i in range(agents):
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(f"bench{i:03d}", password=password)
        user.groups.add(group)
        Agent.objects.create(user=user, project=project, extension=str(300 + i))
        logins.append(
            {
                "username": user.username,
                "password": password,
                "token": Token.objects.create(user=user).key,
            }
        )
    print("BENCH-LOGINS " + json.dumps(logins), flush=True)


# --- one run ----------------------------------------------------------------------------


@dataclass
class Sample:
    index: int
    agent: int
    number: str
    sent: float
    http_status: int = 0
    responded: float = 0.0
    answered_card: float | None = None
    originate_received: float | None = None
    answer_sent: float | None = None
    answer_attempts: int = 0
    webhook_ms: float | None = None
    error: str = ""
    warmup: bool = False

    @property
    def tail(self) -> str:
        return self.number[-6:]


@dataclass
class Agents:
    logins: list[dict]
    streams: list[SseClient] = field(default_factory=list)


def number_for(i: int) -> str:
    # RO mobile +40 722 xxx xxx; ends in 1, so never one of the sandbox's magic endings.
    return f"+40722{i % 100000:05d}1"


def place_calls(
    args,
    base: str,
    agents: Agents,
    samples: list[Sample],
    indices: list[int],
    worker_id: int,
    warmup: bool,
) -> None:
    """One clicking 'user': sequential calls over its share of the agents."""
    mine = [a for a in range(len(agents.logins)) if a % args.concurrency == worker_id]
    http = requests.Session()
    failures = 0
    for n, i in enumerate(indices):
        if ABORT.is_set():
            return
        agent = mine[n % len(mine)]
        stream = agents.streams[agent]
        # one active call per agent: wait until its previous call has ended
        sample = Sample(i, agent, number_for(i), sent=0.0, warmup=warmup)
        try:
            wait_for(stream.idle, args.call_timeout + args.talk_time, f"agent {agent} free", 0.01)
        except RuntimeError as exc:
            sample.error = f"{exc}; last cards: {[c.status for c in stream.cards[-4:]]}"
            samples.append(sample)
            continue
        seen = len(stream.cards)
        headers = {"Authorization": f"Token {agents.logins[agent]['token']}"}
        sample.sent = time.time()
        try:
            reply = http.post(
                base + "/api/v1/calls/", json={"number": sample.number}, headers=headers, timeout=10
            )
            sample.responded = time.time()
            sample.http_status = reply.status_code
            if reply.status_code != 202:
                sample.error = f"HTTP {reply.status_code}: {reply.text[:200]}"
        except requests.RequestException as exc:
            sample.error = f"{type(exc).__name__}: {exc}"
        if not sample.error:
            card = stream.wait_card(
                lambda c, s=sample: c.status == "answered" and c.digits.endswith(s.tail),
                args.call_timeout,
                start=seen,
            )
            if card is None:
                sample.error = "no 'answered' card on the SSE stream in time"
            else:
                sample.answered_card = card.at
        samples.append(sample)
        failures = failures + 1 if sample.error else 0
        if failures >= MAX_CONSECUTIVE_ERRORS:
            print(f"{failures} calls failed in a row, stopping: {sample.error}", file=sys.stderr)
            ABORT.set()
        if args.pause:
            time.sleep(args.pause)


def collect_sandbox(sandbox_url: str, samples: list[Sample]) -> None:
    """Originate receive times and answer-event send times, matched by customer number."""
    by_tail = {s.tail: s for s in samples}
    for entry in requests.get(sandbox_url + "/_sandbox/requests?since=0", timeout=10).json():
        if "originate" not in entry["path"]:
            continue
        caller = str((entry["params"].get("data") or {}).get("caller_id", ""))
        sample = by_tail.get(re.sub(r"\D", "", caller)[-6:])
        if sample and sample.originate_received is None:
            sample.originate_received = entry["time"]
    for call in requests.get(sandbox_url + "/_sandbox/calls", timeout=30).json():
        sample = by_tail.get(re.sub(r"\D", "", str(call["info"].get("customer", "")))[-6:])
        if sample is None:
            continue
        for event in call["events"]:
            if event["event"] == "answer" and event["leg"] == "customer":
                attempts = [a for d in event["deliveries"] for a in d["attempts"]]
                if attempts:
                    sample.answer_sent = attempts[0].get("sent_at") or attempts[0]["at"]
                    sample.answer_attempts = len(attempts)
                    sample.webhook_ms = attempts[-1]["ms"]


def run(args) -> dict[str, Any]:
    preset = PRESETS[args.preset]
    database = args.database_url or preset["database"]
    broker = args.broker_url or preset["broker"]
    redis_url = preset["redis"] if args.redis_url is None else args.redis_url
    var = Path(tempfile.mkdtemp(prefix="pbxbench-"))
    logs = var / "logs"
    logs.mkdir()
    if database == "sqlite":
        database = f"sqlite:///{var / 'db.sqlite3'}"
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    timing = {
        "SANDBOX_AGENT_ANSWER_DELAY": str(args.agent_answer_delay),
        "SANDBOX_CUSTOMER_ANSWER_DELAY": str(args.customer_answer_delay),
        "SANDBOX_TALK_TIME": str(args.talk_time),
        "SANDBOX_DELIVERY_BACKOFF": "0.2",
        "SANDBOX_LOG_LEVEL": "WARNING",
    }
    agents = Agents([])
    samples: list[Sample] = []
    try:
        with ExitStack() as stack:
            if database.startswith("postgres"):
                stack.enter_context(postgres_database(database))
            if broker.startswith("redis"):
                flush_redis_db(broker)
            sandbox = stack.enter_context(
                process(
                    [
                        PY,
                        "-m",
                        "sandbox",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0",
                        "--config",
                        str(var / "sandbox.json"),
                    ],
                    {**os.environ, **timing},
                    logs / "sandbox.log",
                    "sandbox",
                    stdout_pipe=True,
                )
            )
            line = sandbox.stdout.readline().decode()
            if "listening on" not in line:
                raise RuntimeError(f"sandbox did not start; see {logs / 'sandbox.log'}")
            sandbox_url = line.rsplit(" ", 1)[-1].strip()
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": args.settings,
                "PBXPORTAL_VAR_DIR": str(var),
                "DATABASE_URL": database,
                "CELERY_BROKER_URL": broker,
                "REDIS_URL": redis_url,
                "PUBLIC_BASE_URL": base,
                "SANDBOX_PBX_URL": sandbox_url,
                "LOG_LEVEL": "WARNING",
                "DEBUG": "0",
                **(
                    {"CELERY_POLLING_INTERVAL": str(args.polling_interval)}
                    if args.polling_interval is not None
                    else {}
                ),
            }
            env.pop("CELERY_RESULT_BACKEND", None)
            setup = subprocess.run(
                [PY, __file__, "--_setup", str(args.agents)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            marker = [ln for ln in setup.stdout.splitlines() if ln.startswith("BENCH-LOGINS ")]
            if setup.returncode or not marker:
                raise RuntimeError(f"set-up failed:\n{setup.stdout}\n{setup.stderr}")
            agents.logins = json.loads(marker[0].split(" ", 1)[1])
            wait_for(
                lambda: any(
                    a["name"] == "demo-while1"
                    for a in requests.get(sandbox_url + "/_sandbox/accounts", timeout=2).json()
                ),
                10,
                "sandbox reading var/sandbox.json",
            )

            worker_cmd = [
                PY,
                "-m",
                "celery",
                "-A",
                "pbxportal",
                "worker",
                "--loglevel",
                "WARNING",
                "--pool",
                args.pool,
                "--hostname",
                f"bench-{os.getpid()}@%h",
            ]
            if args.pool != "solo":
                worker_cmd += ["--concurrency", str(args.worker_concurrency)]
            worker_cmd += args.worker_arg
            worker = stack.enter_context(process(worker_cmd, env, logs / "worker.log", "worker"))
            uvicorn_cmd = [
                PY,
                "-m",
                "uvicorn",
                args.asgi,
                "--host",
                "127.0.0.1",
                "--port",
                str(web_port),
                "--no-access-log",
                "--log-level",
                "warning",
                *args.uvicorn_arg,
            ]
            web = stack.enter_context(process(uvicorn_cmd, env, logs / "web.log", "uvicorn"))
            wait_for(lambda: _up(base + "/healthz"), 30, "uvicorn")

            for entry in agents.logins:
                stream = SseClient(
                    "127.0.0.1", web_port, login(base, entry["username"], entry["password"])
                )
                stream.start()
                agents.streams.append(stream)
                stack.callback(stream.close)
            for stream in agents.streams:
                if not stream.connected.wait(10):
                    raise RuntimeError(f"SSE stream did not open: {stream.error}")
                stream.wait_card(lambda c: True, 10)  # the initial card

            def watch() -> None:
                while not ABORT.wait(0.5):
                    for name, proc in (("sandbox", sandbox), ("worker", worker), ("web", web)):
                        if proc.poll() is not None:
                            print(
                                f"{name} exited ({proc.returncode}), stopping; "
                                f"see its log (--keep)",
                                file=sys.stderr,
                            )
                            ABORT.set()

            threading.Thread(target=watch, daemon=True).start()
            stack.callback(ABORT.set)
            # warm-up: proves the worker consumes and fills every process's caches
            warm = list(range(100000 - args.warmup, 100000))
            threads = [
                threading.Thread(
                    target=place_calls,
                    args=(args, base, agents, samples, warm[w :: args.concurrency], w, True),
                )
                for w in range(args.concurrency)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                for name, proc in (("web", web), ("worker", worker)):
                    stack.enter_context(
                        process(
                            [
                                str(Path(PY).with_name("py-spy")),
                                "record",
                                "--pid",
                                str(proc.pid),
                                "--subprocesses",
                                "--rate",
                                "200",
                                "--format",
                                "raw",
                                *(["--idle"] if args.profile_idle else []),
                                "-o",
                                str(args.profile / f"{name}.txt"),
                            ],
                            os.environ,
                            args.profile / f"py-spy-{name}.log",
                            f"py-spy {name}",
                            sigint=True,
                        )
                    )
                time.sleep(1)
            procs = {
                "web": web.pid,
                "worker": worker.pid,
                "sandbox": sandbox.pid,
                "bench": os.getpid(),
            }
            cpu_before = {k: cpu_seconds(v, k == "worker") for k, v in procs.items()}
            busy_before = machine_busy()
            started = time.time()
            measured = list(range(args.calls))
            threads = [
                threading.Thread(
                    target=place_calls,
                    args=(args, base, agents, samples, measured[w :: args.concurrency], w, False),
                )
                for w in range(args.concurrency)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.time() - started
            cpu = {
                k: round(
                    (cpu_seconds(v, k == "worker") - cpu_before[k]) * 1000 / max(args.calls, 1), 1
                )
                for k, v in procs.items()
            }
            busy_after = machine_busy()
            machine = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
            # let the last calls end, so no event goes to a stopped web process
            for stream in agents.streams:
                stream.wait_card(
                    lambda c: c.status in TERMINAL, args.talk_time + 5, start=len(stream.cards) - 1
                )
            # let the last answer deliveries be recorded, then read the sandbox's records
            time.sleep(0.5)
            collect_sandbox(sandbox_url, samples)
            stream_errors = [s.error for s in agents.streams if s.error]
            if ABORT.is_set():
                stream_errors.append("run aborted: a process exited or calls kept failing")
    finally:
        if args.keep:
            print(f"kept {var}", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)

    measured_samples = [s for s in samples if not s.warmup]
    click = [
        (s.originate_received - s.sent) * 1000 for s in measured_samples if s.originate_received
    ]
    sse = [
        (s.answered_card - s.answer_sent) * 1000
        for s in measured_samples
        if s.answered_card and s.answer_sent
    ]
    http_ms = [(s.responded - s.sent) * 1000 for s in measured_samples if s.responded]
    webhook = [s.webhook_ms for s in measured_samples if s.webhook_ms is not None]
    return {
        "preset": args.preset,
        "database": re.sub(r"sqlite:///.*", "sqlite (fresh file)", database),
        "broker": broker,
        "redis_url": redis_url or "(none: DB poll)",
        "pool": args.pool,
        "worker_concurrency": args.worker_concurrency,
        "polling_interval": args.polling_interval,
        "concurrency": args.concurrency,
        "agents": args.agents,
        "calls": args.calls,
        "elapsed_s": round(elapsed, 1),
        "errors": [f"#{s.index}: {s.error}" for s in measured_samples if s.error][:10],
        "error_count": sum(1 for s in measured_samples if s.error),
        "retried_answer_deliveries": sum(1 for s in measured_samples if s.answer_attempts > 1),
        "stream_errors": stream_errors,
        "cpu_ms_per_call": cpu,
        "machine_busy": round(machine, 3),
        "click_to_pbx_ms": summary(click),
        "event_to_sse_ms": summary(sse),
        "post_response_ms": summary(http_ms),
        "answer_webhook_ms": summary(webhook),
        "samples": [s.__dict__ for s in measured_samples] if args.samples else [],
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"preset={result['preset']} db={result['database']} broker={result['broker']} "
        f"live={result['redis_url']} pool={result['pool']}x{result['worker_concurrency']} "
        f"polling={result['polling_interval']} concurrency={result['concurrency']} "
        f"agents={result['agents']} calls={result['calls']} in {result['elapsed_s']} s, "
        f"errors={result['error_count']} retried-deliveries="
        f"{result['retried_answer_deliveries']}",
        f"CPU ms per call: {result['cpu_ms_per_call']}; machine busy "
        f"{result['machine_busy'] * 100:.0f}% of {os.cpu_count()} cores",
        f"{'metric (ms)':<22}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'mean':>9}",
    ]
    for key, label in (
        ("click_to_pbx_ms", "(a) click -> PBX"),
        ("event_to_sse_ms", "(b) event -> SSE"),
        ("post_response_ms", "    POST -> 202"),
        ("answer_webhook_ms", "    answer webhook"),
    ):
        s = result[key]
        if not s:
            lines.append(f"{label:<22}{'no data':>6}")
            continue
        lines.append(
            f"{label:<22}{s['n']:>6}"
            + "".join(f"{s[k]:>9.1f}" for k in ("p50", "p95", "p99", "max", "mean"))
        )
    for error in result["errors"] + result["stream_errors"]:
        lines.append("  error: " + error)
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--_setup":
        sys.path.insert(0, str(ROOT))
        setup_data(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    parser.add_argument("--agents", type=int, default=0, help="agents (default 8 per clicker)")
    parser.add_argument("--pause", type=float, default=0.05, help="s between one clicker's calls")
    parser.add_argument("--database-url", help="override the preset's (name must hold 'bench')")
    parser.add_argument("--broker-url", help="override the preset's CELERY_BROKER_URL")
    parser.add_argument("--redis-url", help="override the preset's REDIS_URL ('' = DB poll)")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    parser.add_argument("--worker-concurrency", type=int, default=2)
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
    parser.add_argument("--profile-idle", action="store_true", help="py-spy --idle (wall time)")
    parser.add_argument(
        "--settings",
        default="pbxportal.settings",
        help="DJANGO_SETTINGS_MODULE for every process (experiments)",
    )
    parser.add_argument(
        "--asgi", default="pbxportal.asgi:application", help="uvicorn application (experiments)"
    )
    parser.add_argument("--json", type=Path, help="write the result (and samples) here")
    parser.add_argument("--samples", action="store_true", help="keep per-call samples in --json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (logs)")
    args = parser.parse_args()
    # SIGTERM (e.g. `timeout`) unwinds like Ctrl-C, so the processes and database go too
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    args.agents = args.agents or 8 * args.concurrency
    if args.agents < args.concurrency:
        parser.error("need at least one agent per clicker")
    result = run(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
