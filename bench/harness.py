"""What bench/webhooks.py and bench/lookup.py share: a bench database, gunicorn, wrk.

Everything is loopback and bounded: gunicorn listens on a free 127.0.0.1 port,
wrk runs for at most its -d, every wait has a timeout, and the database and the
processes are removed on the way out (also on Ctrl-C or an error).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "webhooks.lua"
SETTINGS = "bench.baseline_settings"
SMOKE_WITHOUT_WRK = threading.Event()


def use_django(url: str, var_dir: Path, redis_url: str = "") -> dict[str, str]:
    """Point this process (and the env given to children) at the bench database."""
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": url,
        "PBXPORTAL_VAR_DIR": str(var_dir),
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "600",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return {**os.environ, **env}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


def log_path(name: str, folder: Path | None = None) -> Path:
    """gunicorn's log, kept after the run in var/bench/ (not in git) unless ``folder``."""
    folder = folder or ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-gunicorn.log"
    path.write_bytes(b"")
    return path


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[str]:
    """gunicorn (sync workers) on a free loopback port; yields its base URL."""
    port = free_port()
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "pbxportal.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "sync",
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while not _up(base + "/healthz"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not come up; see {log}")
                time.sleep(0.1)
            yield base
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)


@contextmanager
def event_applier(env: dict[str, str], log: Path, nice: int = 0) -> Iterator[subprocess.Popen]:
    """``manage.py apply_events`` (the Procfile's ``events``) on the bench database."""
    from bench_processes import PY, process

    cmd = [PY, "manage.py", "apply_events"]
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    with process(cmd, env, log, "applier") as proc:
        yield proc


@dataclass(frozen=True)
class WrkResult:
    label: str
    answered: int
    non200: int
    socket_errors: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def need_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk not found: apt-get install -y wrk (Debian package)")
    return found


def run_wrk(
    label: str,
    base: str,
    requests_file: Path,
    *,
    seconds: int,
    once: bool = False,
    connections: int = 16,
    threads: int = 2,
) -> WrkResult:
    """wrk replaying ``requests_file`` (see bench/webhooks.lua); bounded by ``seconds``.

    Without wrk (allowed for `--smoke` runs only) bench/replay.py stands in."""
    if not shutil.which("wrk") and SMOKE_WITHOUT_WRK.is_set():
        return _replay(label, base, requests_file, seconds, once, connections)
    cmd = [
        need_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        base,
        "--",
        str(requests_file),
        str(threads),
        "once" if once else "loop",
    ]
    out = _wrk_output(cmd, seconds, threads if once else 0)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return WrkResult(
        label=label,
        answered=data["answered"],
        non200=data["non200"],
        socket_errors=data["socket_errors"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def _replay(
    label: str, base: str, requests_file: Path, seconds: int, once: bool, connections: int
) -> WrkResult:
    from replay import percentiles, replay

    counts, wall, latencies = replay(
        base, requests_file, seconds=seconds, once=once, connections=connections
    )
    spread = percentiles(latencies)
    return WrkResult(
        label=label + " (replay.py)",
        answered=counts["answered"],
        non200=counts["non200"],
        socket_errors=counts["errors"],
        seconds=wall,
        p50_ms=spread["p50"],
        p90_ms=spread["p90"],
        p99_ms=spread["p99"],
        max_ms=spread["max"],
    )


def _wrk_output(cmd: list[str], seconds: int, stop_after: int) -> str:
    """wrk's stdout; SIGINT once ``stop_after`` threads said THREAD-DONE (0: never)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1)
    # The bound: wrk ends by itself after -d; this is for a wrk that hangs.
    watchdog = threading.Timer(seconds + 60, proc.kill)
    watchdog.start()
    lines, done = [], 0
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("THREAD-DONE"):
                done += 1
                if done == stop_after:
                    proc.send_signal(signal.SIGINT)  # wrk reports on SIGINT, with the real time
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {''.join(lines)[-2000:]}")
    return "".join(lines)


def write_requests(path: Path, lines: list[tuple[str, str, str]]) -> Path:
    """One "METHOD<TAB>PATH<TAB>BODY" line per request, the format webhooks.lua reads."""
    with open(path, "w", encoding="ascii") as out:
        for method, target, body in lines:
            if "\t" in target + body or "\n" in target + body:
                raise ValueError("requests must be URL-encoded: no tabs or newlines")
            out.write(f"{method}\t{target}\t{body}\n")
    return path


def quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def table(rows: list[WrkResult], reference: float | None = None) -> str:
    head = f"{'run':<34} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}"
    head += f" {'max ms':>7} {'answers':>8} {'non-200':>7} {'sock err':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = f"{r.rate / reference:.2f}" if reference else "-"
        lines.append(
            f"{r.label:<34} {r.rate:>8.0f} {ratio:>6} {r.p50_ms:>7.2f} {r.p90_ms:>7.2f}"
            f" {r.p99_ms:>7.2f} {r.max_ms:>7.1f} {r.answered:>8} {r.non200:>7}"
            f" {r.socket_errors:>8}"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


def run_in_fresh_database(run, args, db_name: str, prefix: str) -> int:
    """A wrk benchmark's main: wrk present, a scratch folder and database, total time.

    ``run(args, folder, url)``; with ``args.smoke`` the database is the test run's
    (bench_db.database_url) and the logs stay in the scratch folder.
    """
    from bench_db import database_url, is_postgres
    from bench_processes import postgres_database

    if args.smoke:
        SMOKE_WITHOUT_WRK.set()  # wrk when there is one, else bench/replay.py
    else:
        need_wrk()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, ExitStack() as stack:
        url = database_url(db_name, args.smoke, Path(tmp))
        if is_postgres(url):
            stack.enter_context(postgres_database(url))
        run(args, Path(tmp), url)
    print(f"total {time.monotonic() - started:.0f} s")
    return 0
