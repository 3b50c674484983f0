"""Caller lookup (While1 "Caller Data Retrieval") with 1,000,000 contacts, against baseline B.

    .venv/bin/python bench/lookup.py [--contacts 1000000] [--seconds 15]
    .venv/bin/python bench/lookup.py --smoke   # seconds, the test run's database

On a fresh PostgreSQL database (pbxportal_bench_lookup, dropped at the end) it
loads the contacts and their phones with generate_series (one INSERT ... SELECT
each, then ANALYZE), a third of them owned by an agent and a third with a CRM
link, so every branch of the answer is taken. gunicorn (2 sync workers,
persistent connections) serves the product and the baseline; wrk (16 connections,
bench/webhooks.lua cycling through a pre-generated request file) runs

  1. baseline B: GET /bench/select/?telephone=+40..., one indexed SELECT on
     contacts_contactphone (project, number), the number taken as given;
  2. the product: GET /lookup/<token>/?telephone=...&dnid=..., the same callers
     written as a PBX sends them: national, +40, 0040, 40, spaces, dashes,
     brackets, dots; half of them known, half unknown;
  3. baseline B again (the ratio uses the mean of both, since numbers drift).

Every answer of the product is checked beforehand on a sample: known callers
come back with their id, unknown ones with all nine keys null.
Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import harness
from bench_db import check, with_defaults

DB_NAME = "pbxportal_bench_lookup"
SMOKE = {"contacts": 300, "seconds": 1, "sample": 30}
AGENTS = 20
REQUESTS = 20_000  # distinct requests in each file; wrk cycles through them
FIRST = 720_000_000  # national significant numbers 720000000.. (+40 72x: RO mobiles)
UNKNOWN = 730_000_000  # +40 73x: never loaded


CONTACTS_SQL = """
INSERT INTO contacts_contact (id, project_id, name, company, crm_url, owner_id, created_at,
  updated_at {more_columns})
SELECT i, %(project)s, 'Contact ' || i, 'Company ' || (i %% 5000),
  CASE WHEN i %% 3 = 0 THEN 'https://crm.example.com/c/' || i ELSE '' END,
  CASE WHEN i %% 3 = 1 THEN %(agent)s + (i %% %(agents)s) END, %(now)s, %(now)s {more_values}
FROM SERIES
"""
PHONES_SQL = """
INSERT INTO contacts_contactphone (contact_id, project_id, number, label {more_columns})
SELECT i, %(project)s, '+40' || (%(nsn)s + i), 'mobile' {more_values} FROM SERIES
"""
# The same number in another project: the lookup must not cross projects.
ELSEWHERE_SQL = """
INSERT INTO contacts_contact (id, project_id, name, company, crm_url, created_at, updated_at
  {more_columns})
VALUES (%(count)s + 1, %(other)s, 'Elsewhere', '', '', %(now)s, %(now)s {more_values})
"""
ELSEWHERE_PHONE_SQL = """
INSERT INTO contacts_contactphone (contact_id, project_id, number, label {more_columns})
VALUES (%(count)s + 1, %(other)s, %(elsewhere)s, '' {more_values})
"""


def series(vendor: str) -> str:
    """Rows i = 1..count: generate_series on PostgreSQL, a recursive CTE on SQLite."""
    if vendor == "postgresql":
        return "generate_series(1, %(count)s) AS s(i)"
    return (
        "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %(count)s)"
        " SELECT i FROM s)"
    )


def load_contacts(count: int):
    """Migrate, then a While1 project, agents and ``count`` contacts with one phone each."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from calls.models import Agent, PbxAccount, Project
    from contacts.models import Contact, ContactPhone

    call_command("migrate", verbosity=0)
    account = PbxAccount(name="bench while1", vendor="while1", base_url="http://127.0.0.1:9")
    account.set_credentials({"api_token": "t", "api_key": "k"})
    account.save()
    project = Project.objects.create(name="bench", pbx_account=account, region="RO")
    other = Project.objects.create(name="other", pbx_account=account, region="RO")
    users = User.objects.bulk_create(User(username=f"bench{n}") for n in range(AGENTS))
    agents = Agent.objects.bulk_create(
        Agent(user=u, project=project, extension=f"ag{n}") for n, u in enumerate(users)
    )
    params = {
        "project": project.pk,
        "other": other.pk,
        "agent": agents[0].pk,
        "agents": AGENTS,
        "count": count,
        "nsn": FIRST,
        "elsewhere": f"+40{FIRST + 1}",
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        for sql, model in (
            (CONTACTS_SQL, Contact),
            (PHONES_SQL, ContactPhone),
            (ELSEWHERE_SQL, Contact),
            (ELSEWHERE_PHONE_SQL, ContactPhone),
        ):
            given = re.search(r"\(([^)]*?)\s*\{more_columns\}", sql).group(1).split(",")
            sql = with_defaults(sql, model, [c.strip() for c in given], params)
            cursor.execute(sql.replace("SERIES", series(connection.vendor)), params)
        if connection.vendor == "postgresql":  # SQLite follows explicit ids by itself
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('contacts_contact', 'id'), %s)", [count + 1]
            )
        cursor.execute("ANALYZE contacts_contact")
        cursor.execute("ANALYZE contacts_contactphone")
    return project


def written_as(nsn: int, rng: random.Random) -> str:
    """One way a PBX or a person writes +40 <nsn>."""
    s = str(nsn)
    return rng.choice(
        [
            f"0{s}",
            f"+40{s}",
            f"0040{s}",
            f"40{s}",
            f"0{s[:3]} {s[3:6]} {s[6:]}",
            f"0{s[:3]}-{s[3:6]}-{s[6:]}",
            f"(0{s[:3]}) {s[3:6]}.{s[6:]}",
            f"+40 {s[:3]} {s[3:6]} {s[6:]}",
        ]
    )


def callers(count: int, rng: random.Random) -> list[tuple[int, bool]]:
    """(national number, known?) pairs, half known, in random order."""
    picks = []
    for n in range(REQUESTS):
        if n % 2 == 0:
            picks.append((FIRST + rng.randint(1, count), True))
        else:
            picks.append((UNKNOWN + rng.randint(1, 9_999_999), False))
    rng.shuffle(picks)
    return picks


def request_files(project, picks, rng: random.Random, work: Path) -> tuple[Path, Path]:
    product, baseline = [], []
    for nsn, _known in picks:
        telephone = harness.quote(written_as(nsn, rng))
        product.append(
            ("GET", f"/lookup/{project.lookup_token}/?telephone={telephone}&dnid=0210000000", "")
        )
        baseline.append(("GET", f"/bench/select/?project={project.pk}&telephone=%2B40{nsn}", ""))
    return (
        harness.write_requests(work / "lookup.txt", product),
        harness.write_requests(work / "baseline.txt", baseline),
    )


def check_answers(base: str, project, picks) -> int:
    """Wrong answers among a sample of the product's requests (must be 0)."""
    wrong = 0
    rng = random.Random(7)
    for nsn, known in picks:
        url = (
            f"{base}/lookup/{project.lookup_token}/"
            f"?telephone={harness.quote(written_as(nsn, rng))}&dnid=0210000000"
        )
        with urllib.request.urlopen(url, timeout=5) as reply:
            body = json.load(reply)
        expected = nsn - FIRST if known else None
        if body.get("id") != expected or len(body) != 9:
            wrong += 1
    return wrong


def run(args: argparse.Namespace, work: Path, url: str) -> None:
    env = harness.use_django(url, work)
    started = time.monotonic()
    project = load_contacts(args.contacts)
    loaded = time.monotonic() - started
    print(f"{args.contacts} contacts and phones loaded in {loaded:.0f} s")
    rng = random.Random(args.seed)
    picks = callers(args.contacts, rng)
    product_file, baseline_file = request_files(project, picks, rng, work)
    log = harness.log_path("lookup", work if args.smoke else None)
    with harness.gunicorn(env, log) as base:
        wrong = check_answers(base, project, picks[: args.sample])
        if not args.smoke:  # warm-ups steady the figures; they are no path of their own
            harness.run_wrk("warm-up", base, product_file, seconds=3)
            harness.run_wrk("warm-up", base, baseline_file, seconds=3)
        b1 = harness.run_wrk(
            "baseline B (one indexed SELECT) #1", base, baseline_file, seconds=args.seconds
        )
        lookup = harness.run_wrk(
            "caller lookup (mixed formats)", base, product_file, seconds=args.seconds
        )
        b2 = harness.run_wrk(
            "baseline B (one indexed SELECT) #2", base, baseline_file, seconds=args.seconds
        )
    report(args, [b1, lookup, b2], wrong)
    if args.smoke:
        figures = {f"{r.label} {k}": getattr(r, k) for r in (b1, lookup, b2) for k in FIGURES}
        check(
            "lookup",
            figures,
            {
                f"every sampled answer right ({args.sample})": wrong == 0,
                "every answer 200": lookup.non200 == 0 and lookup.socket_errors == 0,
                "answers counted": lookup.answered > 0 and b1.answered > 0 and b2.answered > 0,
            },
        )


FIGURES = ("rate", "p50_ms", "p99_ms")


def report(args: argparse.Namespace, rows: list[harness.WrkResult], wrong: int) -> None:
    b1, lookup, b2 = rows
    reference = (b1.rate + b2.rate) / 2
    print()
    print(f"machine: {harness.machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{args.contacts} contacts; gunicorn 2 sync workers, wrk -t2 -c16 -d{args.seconds}s")
    print(harness.table(rows, reference))
    print()
    met = {
        "throughput >= 0.8x baseline B": lookup.rate / reference >= 0.8,
        "p99 <= 1.2x baseline B's": lookup.p99_ms <= 1.2 * (b1.p99_ms + b2.p99_ms) / 2,
        f"every sampled answer right ({args.sample})": wrong == 0,
        "every answer 200": lookup.non200 == 0 and lookup.socket_errors == 0,
    }
    for name, ok in met.items():
        print(f"  {'MET   ' if ok else 'MISSED'} {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--seed", type=int, default=20251127)
    parser.add_argument("--sample", type=int, default=300, help="answers checked beforehand")
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE} on the test run's database; checks"
    )
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    return harness.run_in_fresh_database(run, args, DB_NAME, "bench-lookup-")


if __name__ == "__main__":
    sys.exit(main())
