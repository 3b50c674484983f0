"""Caller lookup (While1 "Caller Data Retrieval") with 1,000,000 contacts, against baseline B.

    .venv/bin/python bench/lookup.py [--contacts 1000000] [--seconds 15]

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
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import harness

DB_NAME = "pbxportal_bench_lookup"
AGENTS = 20
REQUESTS = 20_000  # distinct requests in each file; wrk cycles through them
FIRST = 720_000_000  # national significant numbers 720000000.. (+40 72x: RO mobiles)
UNKNOWN = 730_000_000  # +40 73x: never loaded


def load_contacts(count: int):
    """Migrate, then a While1 project, agents and ``count`` contacts with one phone each."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from calls.models import Agent, PbxAccount, Project

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
    first_agent = agents[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO contacts_contact (id, project_id, name, company, crm_url, owner_id,"
            " created_at, updated_at)"
            " SELECT i, %s, 'Contact ' || i, 'Company ' || (i %% 5000),"
            "  CASE WHEN i %% 3 = 0 THEN 'https://crm.example.com/c/' || i ELSE '' END,"
            "  CASE WHEN i %% 3 = 1 THEN %s + (i %% %s) END, now(), now()"
            " FROM generate_series(1, %s) AS i",
            [project.pk, first_agent, AGENTS, count],
        )
        cursor.execute(
            "INSERT INTO contacts_contactphone (contact_id, project_id, number, label)"
            " SELECT i, %s, '+40' || (%s + i), 'mobile' FROM generate_series(1, %s) AS i",
            [project.pk, FIRST, count],
        )
        # The same numbers in another project: the lookup must not cross projects.
        cursor.execute(
            "INSERT INTO contacts_contact (id, project_id, name, company, crm_url,"
            " created_at, updated_at) VALUES (%s, %s, 'Elsewhere', '', '', now(), now())",
            [count + 1, other.pk],
        )
        cursor.execute(
            "INSERT INTO contacts_contactphone (contact_id, project_id, number, label)"
            " VALUES (%s, %s, %s, '')",
            [count + 1, other.pk, f"+40{FIRST + 1}"],
        )
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


def check_answers(base: str, project, picks, count: int) -> int:
    """Wrong answers among a sample of the product's requests (must be 0)."""
    wrong = 0
    rng = random.Random(7)
    for nsn, known in picks[:300]:
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


def run(args: argparse.Namespace, work: Path) -> None:
    env = harness.use_django(DB_NAME)
    started = time.monotonic()
    project = load_contacts(args.contacts)
    loaded = time.monotonic() - started
    print(f"{args.contacts} contacts and phones loaded in {loaded:.0f} s")
    rng = random.Random(args.seed)
    picks = callers(args.contacts, rng)
    product_file, baseline_file = request_files(project, picks, rng, work)
    with harness.gunicorn(env, harness.log_path("lookup")) as base:
        wrong = check_answers(base, project, picks, args.contacts)
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
        "p99 <= 10 ms": lookup.p99_ms <= 10,
        "every sampled answer right (300)": wrong == 0,
        "every answer 200": lookup.non200 == 0 and lookup.socket_errors == 0,
    }
    for name, ok in met.items():
        print(f"  {'MET   ' if ok else 'MISSED'} {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--seed", type=int, default=20251127)
    args = parser.parse_args()
    return harness.run_in_fresh_database(run, args, DB_NAME, "bench-lookup-")


if __name__ == "__main__":
    sys.exit(main())
