"""Load and faults on the production shape, run by hand (issue 16, points 6 and 9).

PostgreSQL + Redis, two web processes behind a round-robin balancer, two event
appliers, two calls workers, the other worker, beat, the sandbox PBX; N agents click
(through the API, each waiting for its call's end) while one process of each kind is
killed with SIGKILL in turn and brought back by the product's own runner
(pbxportal/processes.py, as systemd's Restart=always does in production). At the end it
counts, from the sandbox's own record and the database:

- calls placed twice at the sandbox (must be 0);
- events lost: delivered by the sandbox but missing from the webhook log or never
  applied, or never delivered at all (must be 0);
- calls not in a final state once the run has settled (must be 0).

    .venv/bin/python bench/load_and_fault.py                      # 50 agents, 10 minutes
    .venv/bin/python bench/load_and_fault.py --agents 20 --minutes 3
    .venv/bin/python bench/load_and_fault.py --smoke              # seconds (tests/test_benches.py)
"""

from __future__ import annotations

import argparse
import json
import os
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
    start_sandbox,
    wait_for,
)
from click_options import PRESETS, smoke_stores
from load_fault_parts import FINAL, Balancer, Pids, Tally, agent_loop, sandbox_record

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# killed in this order, one every --fault-every seconds, round and round
KINDS = ("calls", "events", "web", "worker", "beat")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fault-every", type=float, default=30.0, help="seconds between kills")
    parser.add_argument(
        "--hung-share", type=float, default=0.1, help="share of clicks the sandbox holds (…504)"
    )
    parser.add_argument("--settle", type=float, default=150.0, help="max wait for final states")
    parser.add_argument("--database-url", default=PRESETS["redis"]["database"])
    parser.add_argument("--broker-url", default=PRESETS["redis"]["broker"])
    parser.add_argument("--redis-url", default=PRESETS["redis"]["redis"])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the var directory (logs)")
    parser.add_argument("--smoke", action="store_true", help="3 agents, 25 s, a kill every 4 s")
    args = parser.parse_args()
    if args.smoke:
        stores = smoke_stores(dict(os.environ))
        args.database_url, args.broker_url = stores["database"], stores["broker"]
        args.redis_url = stores["redis"]
        args.agents, args.minutes, args.fault_every, args.settle = 3, 25 / 60, 4.0, 120.0
    return args


def procfile(var: Path, web_ports: list[int], appliers: int) -> Path:
    """The production shape as Procfile lines for the runner."""
    celery = f"{PY} -m celery -A pbxportal"
    lines = [
        f"web{i + 1}: {PY} -m uvicorn pbxportal.asgi:application --host 127.0.0.1 "
        f"--port {port} --no-access-log --lifespan off --log-level warning"
        for i, port in enumerate(web_ports)
    ]
    lines += [f"events{i + 1}: {PY} manage.py apply_events" for i in range(appliers)]
    lines += [
        f"calls{i + 1}: {celery} worker --queues calls --pool threads --concurrency 8 "
        f"--loglevel WARNING --hostname calls{i + 1}@%h"
        for i in range(2)
    ]
    lines.append(
        f"worker1: {celery} worker --queues celery --concurrency 2 --loglevel WARNING "
        "--hostname worker@%h"
    )
    lines.append(f"beat1: {celery} beat --loglevel WARNING --schedule {var}/beat-schedule")
    path = var / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def environment(args, var: Path, base: str, sandbox_url: str, database: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbxportal.settings",
        "PBXPORTAL_VAR_DIR": str(var),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": args.broker_url,
        "REDIS_URL": args.redis_url,
        "PUBLIC_BASE_URL": base,
        "SANDBOX_PBX_URL": sandbox_url,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def logins(args, env: dict[str, str]) -> list[dict]:
    """Migrate, demo data and bench agents with tokens (click_to_pbx.py's set-up)."""
    setup = subprocess.run(
        [PY, str(ROOT / "bench" / "click_to_pbx.py"), "--_setup", str(args.agents), "quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    marker = [ln for ln in setup.stdout.splitlines() if ln.startswith("BENCH-LOGINS ")]
    if setup.returncode or not marker:
        raise RuntimeError(f"set-up failed:\n{setup.stdout}\n{setup.stderr}")
    # load_demo again: the sandbox's While1 account then knows the bench agents' phones
    # (it refuses an originate to an extension it does not list)
    again = [PY, "manage.py", "load_demo"]
    subprocess.run(again, cwd=ROOT, env=env, capture_output=True, timeout=300, check=True)
    return json.loads(marker[0].split(" ", 1)[1])


def sandbox_knows(sandbox_url: str, extension: str) -> bool:
    accounts = requests.get(sandbox_url + "/_sandbox/accounts", timeout=2).json()
    names = [
        e.get("name") for a in accounts for e in a.get("extensions") or [] if isinstance(e, dict)
    ]
    return extension in names


def faults(pids: Pids, every: float, until: float, kills: list[dict]) -> None:
    """SIGKILL the first process of each kind in turn; the runner brings it back."""
    turn = 0
    while time.monotonic() + every < until:
        time.sleep(every)
        name = f"{KINDS[turn % len(KINDS)]}1"
        turn += 1
        pid = pids.of(name)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        kills.append({"process": name, "pid": pid, "at": round(time.time(), 1)})
        print(f"killed {name} (pid {pid})", file=sys.stderr, flush=True)


def database_facts(env: dict[str, str]) -> dict[str, Any]:
    """Read in a child process with the product's settings: calls and the webhook log."""
    script = (
        "import django, json; django.setup()\n"
        "from django.db.models import Count\n"
        "from calls.models import Call, WebhookRequest\n"
        "calls = dict(Call.objects.values_list('external_id', 'status'))\n"
        "log = dict(WebhookRequest.objects.values_list('verdict').annotate(n=Count('pk')))\n"
        "gone = Call.objects.filter(failure_reason__contains='call worker stopped while').count()\n"
        "print('FACTS ' + json.dumps({'calls': {str(k): v for k, v in calls.items()},"
        " 'log': log, 'worker_stopped': gone}))\n"
    )
    done = subprocess.run(
        [PY, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("FACTS ")]
    if done.returncode or not line:
        raise RuntimeError(f"reading the database failed:\n{done.stderr[-2000:]}")
    return json.loads(line[0].split(" ", 1)[1])


def run(args) -> dict[str, Any]:
    var = Path(tempfile.mkdtemp(prefix="pbxfault-"))
    (var / "logs").mkdir()
    database = args.database_url
    if database == "sqlite":
        database = f"sqlite:///{var / 'db.sqlite3'}"
    timing = {
        "SANDBOX_AGENT_ANSWER_DELAY": "0.3",
        "SANDBOX_CUSTOMER_ANSWER_DELAY": "0.6",
        "SANDBOX_TALK_TIME": "2",
        "SANDBOX_DELIVERY_BACKOFF": "0.5",
        "SANDBOX_LOG_LEVEL": "WARNING",
    }
    tally, kills = Tally(), []
    try:
        with ExitStack() as stack:
            if database.startswith("postgres"):
                stack.enter_context(postgres_database(database))
            if args.broker_url.startswith("redis") and not args.smoke:
                flush_redis_db(args.broker_url)
            web_ports = [free_port(), free_port()]
            balancer = Balancer(web_ports)
            stack.callback(balancer.close)
            base = f"http://127.0.0.1:{balancer.port}"
            _, sandbox_url = start_sandbox(
                stack, var / "sandbox.json", {**os.environ, **timing}, var / "logs/sandbox.log"
            )
            env = environment(args, var, base, sandbox_url, database)
            agents = logins(args, env)
            wait_for(lambda: sandbox_knows(sandbox_url, "300"), 15, "sandbox reading its config")
            appliers = 2 if database.startswith("postgres") else 1  # SQLite: exactly one
            runner = subprocess.Popen(
                [PY, "-m", "pbxportal.processes", "-f", str(procfile(var, web_ports, appliers))],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            stack.callback(_stop_runner, runner)
            pids = Pids(runner, var / "logs/runner.log")
            wait_for(lambda: _healthy(base), 60, "both web processes")
            time.sleep(3)  # the workers and beat connect
            started = time.monotonic()
            until = started + args.minutes * 60
            threads = [
                threading.Thread(
                    target=agent_loop, args=(base, a["token"], until, tally, i, args.hung_share)
                )
                for i, a in enumerate(agents)
            ]
            threads.append(
                threading.Thread(target=faults, args=(pids, args.fault_every, until, kills))
            )
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            loaded = time.monotonic() - started
            facts = _settled(env, args.settle)
            record = sandbox_record(sandbox_url)
            restarts = {name: n - 1 for name, n in pids.starts.items() if n > 1}
            _stop_runner(runner)
            pids.reader.join(timeout=10)  # the runner's last lines are in its log
            said = (var / "logs/runner.log").read_text(errors="replace")
            facts["resent"] = said.count("originate message was lost, sent again")
    finally:
        if args.keep:
            print(f"kept {var}", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)
    return _result(args, database, loaded, tally, kills, restarts, facts, record)


def _healthy(base: str) -> bool:
    try:
        return all(requests.get(base + "/healthz", timeout=2).ok for _ in range(2))
    except requests.RequestException:
        return False


def _stop_runner(runner: subprocess.Popen) -> None:
    runner.send_signal(signal.SIGTERM)
    try:
        runner.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(runner.pid, signal.SIGKILL)


def _settled(env: dict[str, str], settle: float) -> dict[str, Any]:
    """The database once every call is final, or when ``settle`` seconds have passed."""
    deadline = time.monotonic() + settle
    while True:
        facts = database_facts(env)
        open_calls = [s for s in facts["calls"].values() if s not in FINAL]
        if (not open_calls and not facts["log"].get("queued")) or time.monotonic() > deadline:
            return facts
        time.sleep(5)


def _result(args, database, loaded, tally, kills, restarts, facts, record) -> dict[str, Any]:
    ours = facts["calls"]
    rang_but_failed = sum(
        1
        for external_id, outcome in record["outcomes"].items()
        if outcome == "completed" and ours.get(external_id) == "failed"
    )
    log = facts["log"]
    stored = sum(log.values())
    return {
        "database": database.split("@")[-1],
        "broker": args.broker_url,
        "agents": args.agents,
        "minutes_loaded": round(loaded / 60, 2),
        "clicks": tally.clicks,
        "click_retries": tally.click_retries,
        "kills": kills,
        "restarts": restarts,
        "calls": len(ours),
        "calls_by_status": dict(sorted(_count(ours.values()).items())),
        "calls_not_final": sum(1 for s in ours.values() if s not in FINAL),
        "calls_placed_at_sandbox": record["calls_placed"],
        "placed_twice": record["placed_twice"],
        "events_delivered": record["events_delivered"],
        "events_undelivered": record["events_undelivered"],
        "webhook_log": log,
        "events_lost": record["events_undelivered"]
        + max(0, record["events_delivered"] - stored)
        + log.get("queued", 0)
        + log.get("failed", 0),
        "failed_here_but_rang_at_pbx": rang_but_failed,
        "lost_originates_resent": facts["resent"],
        "failed_as_worker_stopped": facts["worker_stopped"],
    }


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out


def main() -> None:
    args = arguments()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    result = run(args)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.smoke:
        check(
            "load_and_fault",
            {k: result[k] for k in ("clicks", "calls", "events_delivered", "events_lost")},
            {
                "calls were placed": result["clicks"] > 0 and result["calls"] > 0,
                "processes were killed and came back": len(result["restarts"]) >= 3,
                "no call placed twice": result["placed_twice"] == 0,
                "no event lost": result["events_lost"] == 0,
                "every call final": result["calls_not_final"] == 0,
            },
        )


if __name__ == "__main__":
    main()
