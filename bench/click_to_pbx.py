"""Click-to-PBX and event-to-screen latency of the whole product, run by hand.

Starts the real processes on a fresh database: the sandbox PBX (``python -m sandbox``),
the Procfile's two Celery workers (queues ``calls`` and ``celery``) and uvicorn
(``pbxportal.asgi``); logs in one SSE client per agent on ``/live/agent/``; places N
calls through ``POST /api/v1/calls/`` and measures per call

  (a) click -> PBX: the POST's bytes are handed to the socket -> the originate request's
      first line is read by the sandbox (its request log ``arrived``, same machine
      clock); "to PBX's parse" ends at the sandbox's parsed request (``time``) instead;
  (b) event -> SSE: the sandbox starts delivering the customer ``answer`` event
      (``events[].deliveries[].attempts[].at``) -> the agent's SSE stream delivers an
      ``event: call`` card with ``status-answered`` for that number.

Everything is loopback, every wait is bounded, and the processes, the temporary
var directory and the PostgreSQL bench database are removed at the end.
See bench/README.md; results and their reading in docs/benchmarks.md.
"""

from __future__ import annotations

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
from pathlib import Path
from typing import Any

import requests
from bench_db import check
from bench_processes import (
    flush_redis_db,
    free_port,
    postgres_database,
    process,
    start_applier,
    start_sandbox,
    start_uvicorn,
    start_worker,
    wait_for,
)
from click_calls import (
    ABORT,
    Agents,
    Sample,
    click_all,
    collect_sandbox,
    open_streams,
    report,
    setup_data,
)
from click_options import PRESETS, SMOKE, arguments, smoke_stores
from disk_probe import DiskProbe  # bench/ is on sys.path as the script's folder
from measure import (
    cpu_seconds,
    machine_busy,
    summary,
)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _environment(
    args, var: Path, base: str, sandbox_url: str, database: str, broker: str, redis_url: str
) -> dict[str, str]:
    """What every product process runs with."""
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
    }
    if args.polling_interval is not None:
        env["CELERY_POLLING_INTERVAL"] = str(args.polling_interval)
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def _demo_logins(args, env: dict[str, str]) -> list[dict]:
    """Migrate and load the bench's agents in a child process; their logins."""
    setup = subprocess.run(
        [PY, __file__, "--_setup", str(args.agents), "quick" if args.smoke else "full"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    marker = [ln for ln in setup.stdout.splitlines() if ln.startswith("BENCH-LOGINS ")]
    if setup.returncode or not marker:
        raise RuntimeError(f"set-up failed:\n{setup.stdout}\n{setup.stderr}")
    return json.loads(marker[0].split(" ", 1)[1])


def _sandbox_knows(sandbox_url: str, extension: str) -> bool:
    """The sandbox's While1 account lists ``extension`` (it refuses calls to others)."""
    accounts = requests.get(sandbox_url + "/_sandbox/accounts", timeout=2).json()
    return any(
        a["name"] == "demo-while1" and extension in {e["name"] for e in a.get("extensions", [])}
        for a in accounts
    )


def _watch(procs: dict[str, subprocess.Popen]) -> None:
    """Stop the run when a product process dies."""
    while not ABORT.wait(0.5):
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(
                    f"{name} exited ({proc.returncode}), stopping; see its log (--keep)",
                    file=sys.stderr,
                )
                ABORT.set()


def _start_profilers(stack, args, procs: dict[str, subprocess.Popen]) -> None:
    """py-spy on web, worker and applier until the run ends (--profile)."""
    args.profile.mkdir(parents=True, exist_ok=True)
    for name in ("web", "worker", "applier"):
        cmd = [
            str(Path(PY).with_name("py-spy")),
            "record",
            "--pid",
            str(procs[name].pid),
            "--subprocesses",
            "--rate",
            "200",
            "--format",
            "raw",
            *(["--idle"] if args.profile_idle else ["--gil"]),
            "-o",
            str(args.profile / f"{name}.txt"),
        ]
        log = args.profile / f"py-spy-{name}.log"
        stack.enter_context(process(cmd, os.environ, log, f"py-spy {name}", sigint=True))
    time.sleep(1)


def _measured_calls(args, base, agents, samples, procs) -> tuple[float, dict, float]:
    """Place the measured calls; wall time, CPU ms per call of each process, and how busy
    the whole machine was (share of both cores)."""
    pids = {name: proc.pid for name, proc in procs.items()}
    pids["bench"] = os.getpid()
    cpu_before = {k: cpu_seconds(v, k.endswith("worker")) for k, v in pids.items()}
    busy_before = machine_busy()
    started = time.time()
    click_all(args, base, agents, samples, range(args.calls), False)
    elapsed = time.time() - started
    per_call = max(args.calls, 1)
    cpu = {
        k: round((cpu_seconds(v, k.endswith("worker")) - cpu_before[k]) * 1000 / per_call, 1)
        for k, v in pids.items()
    }
    busy_after = machine_busy()
    machine = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    return elapsed, cpu, machine


def _latencies(measured: list[Sample]) -> dict[str, dict]:
    """p50/p95/p99 of each measured interval, in ms."""
    click = [(s.originate_arrived - s.sent) * 1000 for s in measured if s.originate_arrived]
    parsed = [(s.originate_received - s.sent) * 1000 for s in measured if s.originate_received]
    sse = [
        (s.answered_card - s.answer_sent) * 1000
        for s in measured
        if s.answered_card and s.answer_sent
    ]
    return {
        "click_to_pbx_ms": summary(click),
        "click_to_parsed_ms": summary(parsed),
        "event_to_sse_ms": summary(sse),
        "post_response_ms": summary(
            [(s.responded - s.sent) * 1000 for s in measured if s.responded]
        ),
        "answer_webhook_ms": summary([s.webhook_ms for s in measured if s.webhook_ms is not None]),
    }


def run(args) -> dict[str, Any]:
    preset = smoke_stores(dict(os.environ)) if args.smoke else PRESETS[args.preset]
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
            if broker.startswith("redis") and not args.smoke:  # a smoke run's may be shared
                flush_redis_db(broker)
            sandbox, sandbox_url = start_sandbox(
                stack, var / "sandbox.json", {**os.environ, **timing}, logs / "sandbox.log"
            )
            env = _environment(args, var, base, sandbox_url, database, broker, redis_url)
            agents.logins = _demo_logins(args, env)
            wait_for(
                lambda: _sandbox_knows(sandbox_url, agents.logins[-1]["extension"]),
                10,
                "sandbox reading var/sandbox.json with the bench's agents",
            )

            worker_args = ["--pool", args.pool, *args.worker_arg]
            if args.pool != "solo":
                worker_args += ["--concurrency", str(args.worker_concurrency)]
            worker = start_worker(stack, env, logs / "worker.log", worker_args)
            other_worker = start_worker(
                stack, env, logs / "celery-worker.log", ["--concurrency", "2"], "celery"
            )
            applier = start_applier(stack, env, logs / "applier.log")
            web = start_uvicorn(stack, env, logs / "web.log", args.asgi, web_port, args.uvicorn_arg)

            open_streams(stack, agents, base, web_port)
            procs = {
                "sandbox": sandbox,
                "worker": worker,
                "celery worker": other_worker,
                "applier": applier,
                "web": web,
            }
            threading.Thread(target=_watch, args=(procs,), daemon=True).start()
            stack.callback(ABORT.set)
            # warm-up: proves the worker consumes and fills every process's caches
            click_all(args, base, agents, samples, range(100000 - args.warmup, 100000), True)
            if args.profile:
                _start_profilers(stack, args, procs)
            disk = stack.enter_context(DiskProbe(var, args.disk_probe))
            elapsed, cpu, machine = _measured_calls(args, base, agents, samples, procs)
            # let the last calls end, so no event goes to a stopped web process; after an
            # abort some never will, and the report still comes
            ending = time.monotonic() + args.talk_time + 5
            while not all(s.idle() for s in agents.streams) and time.monotonic() < ending:
                time.sleep(0.05)
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

    measured = [s for s in samples if not s.warmup]
    return {
        **_setup(args, database, broker, redis_url),
        "elapsed_s": round(elapsed, 1),
        **_failures(measured, stream_errors),
        "cpu_ms_per_call": cpu,
        "machine_busy": round(machine, 3),
        **_latencies(measured),
        **disk.results([(s.sent, s.originate_arrived) for s in measured if s.originate_arrived]),
        "samples": [s.__dict__ for s in measured] if args.samples else [],
    }


def _setup(args, database: str, broker: str, redis_url: str) -> dict[str, Any]:
    """What ran: for the report's first line."""
    return {
        "preset": args.preset,
        "database": re.sub(r"sqlite:///.*", "sqlite (fresh file)", database),
        "broker": broker,
        "redis_url": redis_url or "(none: DB poll)",
        "pool": args.pool,
        "worker_concurrency": args.worker_concurrency,
        "polling_interval": args.polling_interval,
        "concurrency": args.concurrency,
        "via": args.via,
        "client": args.client,
        "agents": args.agents,
        "calls": args.calls,
    }


def _failures(measured: list[Sample], stream_errors: list[str]) -> dict[str, Any]:
    return {
        "errors": [f"#{s.index}: {s.error}" for s in measured if s.error][:10],
        "error_count": sum(1 for s in measured if s.error),
        "retried_answer_deliveries": sum(1 for s in measured if s.answer_attempts > 1),
        "stream_errors": stream_errors,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--_setup":
        sys.path.insert(0, str(ROOT))
        setup_data(int(sys.argv[2]), quick_demo_passwords=sys.argv[3] == "quick")
        return
    parser = arguments(__doc__.split("\n\n")[0])
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE, preset="smoke")
    # SIGTERM (e.g. `timeout`) unwinds like Ctrl-C, so the processes and database go too
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    args.agents = args.agents or 8 * args.concurrency
    if args.agents < args.concurrency:
        parser.error("need at least one agent per clicker")
    result = run(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.smoke:
        check_smoke(result, args.calls)


def check_smoke(result: dict[str, Any], calls: int) -> None:
    """Every call measured end to end, no error; the figures are numbers (no timings)."""
    series = ("click_to_pbx_ms", "click_to_parsed_ms", "event_to_sse_ms", "post_response_ms")
    figures = {f"{k} {p}": result[k].get(p) for k in series for p in ("p50", "max")}
    figures |= {f"CPU ms per call, {k}": v for k, v in result["cpu_ms_per_call"].items()}
    check(
        "click_to_pbx",
        figures,
        {
            "no call failed": result["error_count"] == 0,
            "no stream failed": not result["stream_errors"],
            "every call reached the PBX": result["click_to_pbx_ms"].get("n") == calls,
            "every answer reached the screen": result["event_to_sse_ms"].get("n") == calls,
        },
    )


if __name__ == "__main__":
    main()
