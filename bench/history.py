"""Call history at 1,000,000 calls on PostgreSQL: page latency and CSV export memory.

Creates its own database (``pbxportal_bench_history``, dropped at the end unless
``--keep``), migrates it up to the history indexes' parent, bulk-loads the calls with
one ``INSERT … SELECT FROM generate_series`` (50 agents, 3 projects, 60,000 contacts,
90 days, realistic statuses; equal timestamps on purpose), builds the history indexes
(``calls/migrations/0007_history_indexes.py``, timed) and ANALYZEs.

Then, through Django's test client as a logged-in supervisor (the whole request:
middleware, selectors, template), it times each scenario ``--reps`` times with varying
parameters and prints p50/p95/p99, plus the EXPLAIN ANALYZE of each page query.
Finally a child process streams the unfiltered CSV export of every call and reports
its wall time and peak RSS (VmHWM) against its RSS before the export.

    .venv/bin/python bench/history.py                 # 1,000,000 calls
    .venv/bin/python bench/history.py --calls 100000  # a quicker look
    .venv/bin/python bench/history.py --smoke         # seconds: proves it still runs
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_db import check, database_url, is_postgres
from bench_processes import postgres_database
from history_data import FIRST, LAST, load  # bench/ is on sys.path: the script's folder
from measure import percentile

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "pbxportal_bench_history"
SMOKE = {"calls": 1500, "reps": 2}


def configure(url: str, var_dir: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="pbxportal.settings",
        PBXPORTAL_VAR_DIR=var_dir,
        ALLOWED_HOSTS="testserver",
        CONN_MAX_AGE="600",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- data ------------------------------------------------------------------------------


# --- measuring ---------------------------------------------------------------------------


def scenarios(world: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Each scenario's parameter sets, cycled through the repetitions."""
    from django.utils import timezone

    from calls.history.selectors import Sort, cursor_for, ordered
    from calls.models import Call

    today = timezone.localdate()
    weeks = [(today - timedelta(days=7 * i + 7), today - timedelta(days=7 * i)) for i in range(12)]
    statuses = ["busy", "no_answer", "completed", "missed", "failed", "canceled"]
    deep = []
    first = min(200, max(2, world["calls"] // 50 - 10))  # page 200, or as deep as there is
    for page in range(first, first + 10):  # the cursor that ends page N-1 starts page N
        last = ordered(Call.objects.all(), Sort.NEWEST)[(page - 1) * 50 - 1]
        deep.append({"after": cursor_for(last, Sort.NEWEST)})
    return {
        "first page, no filter": [{}],
        "agent": [{"agent": str(a)} for a in world["agents"]],
        "status + 7-day range": [
            {"status": s, "date_from": str(a), "date_to": str(b)}
            for s in statuses
            for a, b in weeks
        ],
        "whole number (0722 0xx xxx)": [
            {"number": f"0722 {n // 1000:03d} {n % 1000:03d}"} for n in range(1234, 300_000, 9973)
        ],
        "partial number (5 digits)": [{"number": f"{n:05d}"} for n in range(12345, 99999, 2931)],
        # A surname alone (a ninth of all contacts) and a specific person.
        "contact name": [{"contact": last} for last in LAST]
        + [{"contact": f"{FIRST[i % 10]} {LAST[i // 10 % 9]} {i}"} for i in range(5, 60_000, 6007)],
        "project + longest first": [
            {"project": str(p), "sort": "longest"} for p in world["projects"]
        ],
        "deep page 200 (keyset)": deep,
    }


def time_scenario(client, params: list[dict[str, str]], reps: int) -> tuple[dict, str]:
    """Whole request (client) and selector only (the page query + 51 rows), in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls.history import selectors
    from calls.history.forms import HistoryFilterForm

    user = client.session_user
    request_ms, selector_ms = [], []
    for i in range(reps + 3):
        query = params[i % len(params)]
        started = time.perf_counter()
        response = client.get("/history/", query)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        form = HistoryFilterForm(query, user=user)
        form.is_valid()
        filters = form.filters()
        region = selectors.region_for(filters, user)
        calls = selectors.filter_calls(selectors.visible_calls(user), filters, region)
        started = time.perf_counter()
        selectors.history_page(calls, filters.sort, query.get("after", ""))
        if i >= 3:  # the first three warm the caches and the connection
            request_ms.append(elapsed)
            selector_ms.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get("/history/", params[0])
    page_sql = next(q["sql"] for q in queries if 'FROM "calls_call"' in q["sql"])
    explain = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(explain + page_sql)
        plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    return {"request": _stats(request_ms), "selector": _stats(selector_ms)}, plan


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(samples, 50), 1),
        "p95": round(percentile(samples, 95), 1),
        "p99": round(percentile(samples, 99), 1),
    }


def offset_contrast() -> float:
    """The same deep page with OFFSET, for the record: what keyset avoids."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT id FROM calls_call ORDER BY requested_at DESC, id DESC LIMIT 51 OFFSET 9950"
        )
        cursor.fetchall()
        return round((time.perf_counter() - started) * 1000, 1)


def export_child() -> None:
    """In its own process: stream the whole export, report time and memory."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    client.get("/history/")  # import and warm everything the export touches
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    response = client.get("/history/export.csv")
    rows = size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    print(
        json.dumps(
            {
                "rows": rows - 1,
                "mb": round(size / 1e6, 1),
                "seconds": round(time.perf_counter() - started, 1),
                "rss_before_mb": round(before / 1024, 1),
                "peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1),
            }
        )
    )


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def measure_export(url: str, var_dir: str) -> dict[str, Any]:
    reply = subprocess.run(
        [sys.executable, __file__, "--export-child", "--url", url, "--var", var_dir],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(reply.stdout.strip().splitlines()[-1])


def run(args) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    world = {**load(args.calls), "calls": args.calls}
    result: dict[str, Any] = {k: round(v, 1) for k, v in world.items() if k.endswith("_s")}
    result["calls"] = args.calls
    client = Client()
    client.session_user = User.objects.get(username="supervisor")
    client.force_login(client.session_user)
    plans = {}
    result["pages_ms"] = {}
    for name, params in scenarios(world).items():
        result["pages_ms"][name], plans[name] = time_scenario(client, params, args.reps)
        print(f"{name:32} {result['pages_ms'][name]}", flush=True)
    agent_client = Client()
    agent_client.session_user = User.objects.get(username="agent07")
    agent_client.force_login(agent_client.session_user)
    result["pages_ms"]["agent's own history"], plans["agent's own history"] = time_scenario(
        agent_client, [{}], args.reps
    )
    result["offset_page_200_sql_ms"] = offset_contrast()
    result["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    result["export"] = measure_export(args.url, os.environ["PBXPORTAL_VAR_DIR"])
    Path(args.plans).parent.mkdir(parents=True, exist_ok=True)
    Path(args.plans).write_text("\n\n".join(f"## {k}\n{v}" for k, v in plans.items()))
    return result


def check_smoke(result: dict[str, Any]) -> None:
    pages = result["pages_ms"]
    figures = {f"{name} {part} p50": v[part]["p50"] for name, v in pages.items() for part in v}
    figures["export seconds"] = result["export"]["seconds"]
    figures["export peak RSS MB"] = result["export"]["peak_rss_mb"]
    check(
        "history",
        figures,
        {
            "every scenario measured": len(pages) == 9,
            "the export holds every call": result["export"]["rows"] == result["calls"],
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--url", help=f"the bench database (default: {DB_NAME} on BENCH_PG)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--plans", default=str(ROOT / "var" / "bench-history-plans.txt"), help="EXPLAIN output"
    )
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE} on the configured database; checks"
    )
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        configure(args.url, args.var)
        export_child()
        return
    if args.smoke:
        vars(args).update(SMOKE)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as var_dir:
        if args.smoke:
            args.plans = str(Path(var_dir) / "plans.txt")
        args.url = args.url or database_url(DB_NAME, args.smoke, Path(var_dir))
        configure(args.url, var_dir)
        with ExitStack() as stack:
            if is_postgres(args.url):
                stack.enter_context(postgres_database(args.url, args.keep))
            result = run(args)
    print(json.dumps(result, indent=2))
    if args.smoke:
        check_smoke(result)


if __name__ == "__main__":
    main()
