"""Contacts import of 100,000 rows, CSV and XLSX, on SQLite and PostgreSQL.

    .venv/bin/python bench/contacts_import.py [--rows 100000]   # BENCH_PG: the server
    .venv/bin/python bench/contacts_import.py --smoke   # seconds, the test run's database

Each (database, format) runs in a child process on a fresh database: upload checks
(header + row count), the preview, then the import exactly as the Celery task runs
it (processing.run_import); then the same file again (every row matches, nothing
changes), then a file whose every company changed (every row an UPDATE). Peak
memory (ru_maxrss) shows the file is streamed, not loaded whole.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench_db import check, database_url, is_postgres
from bench_processes import postgres_database

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "bench_contacts_import"
SMOKE_ROWS = 60


def write_files(folder: Path, rows: int, version: str = "") -> dict[str, Path]:
    """name, company, phones (two per row), crm_url, owner: every column the import reads.

    ``version`` changes the company of every row: the second import updates them all.
    """

    def row(i: int) -> list[str]:
        return [
            f"Contact {i}",
            f"Company {i % 997}{version}",
            f"0745 {i:06d}; +40 21 {i % 1000:03d} {i // 1000:04d}",
            f"https://crm.example/c/{i}",
            "201" if i % 3 == 0 else "",
        ]

    header = ["name", "company", "phones", "crm_url", "owner"]
    path_csv = folder / f"contacts{version}.csv"
    with path_csv.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(row(i) for i in range(rows))
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for i in range(rows):
        sheet.append(row(i))
    path_xlsx = folder / f"contacts{version}.xlsx"
    book.save(path_xlsx)
    return {"csv": path_csv, "xlsx": path_xlsx}


def child(path: Path, changed: Path) -> dict:
    """Runs inside the child: Django set up on the fresh bench database, migrated here."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from calls.models import Agent, PbxAccount, Project
    from contacts.imports import processing, services
    from contacts.models import Contact, ContactPhone

    call_command("migrate", verbosity=0)
    account = PbxAccount.objects.create(name="bench", vendor="sandbox", base_url="http://x")
    project = Project.objects.create(name="bench", pbx_account=account, region="RO")
    user = User.objects.create(username="bench-admin", is_superuser=True)
    Agent.objects.create(user=User.objects.create(username="ana"), project=project, extension="201")
    timings = {}
    for attempt, file in (("first", path), ("same", path), ("changed", changed)):
        with file.open("rb") as handle:
            upload = SimpleUploadedFile(file.name, b"")
            upload.file, upload.size = handle, file.stat().st_size
            started = time.perf_counter()
            job = services.create_job(upload=upload, project=project, by=user)
        timings[f"{attempt}_upload_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        services.preview(job)
        timings[f"{attempt}_preview_s"] = round(time.perf_counter() - started, 2)
        services.confirm(job=job)
        started = time.perf_counter()
        processing.run_import(job.pk)
        timings[f"{attempt}_import_s"] = round(time.perf_counter() - started, 2)
        job.refresh_from_db()
        timings[f"{attempt}_counts"] = [job.created_count, job.updated_count, job.skipped_count]
    timings["contacts"] = Contact.objects.count()
    timings["phones"] = ContactPhone.objects.count()
    timings["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return timings


def run_one(database: str, path: Path, changed: Path, workdir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbxportal.settings",
        "PBXPORTAL_VAR_DIR": str(workdir),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": "memory://",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(changed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"the import child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def databases(smoke: bool, folder: Path) -> list[str]:
    """SQLite and PostgreSQL; a smoke run: the test run's database only."""
    if smoke:
        return [database_url(PG_NAME, True, folder)]
    return [f"sqlite:///{folder / 'bench.sqlite3'}", database_url(PG_NAME, False, folder)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_ROWS} rows, the test run's database"
    )
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return
    rows = SMOKE_ROWS if args.smoke else args.rows
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = write_files(folder, rows)
        changed = write_files(folder, rows, version="-v2")
        print(f"files written in {time.perf_counter() - started:.1f} s", flush=True)
        for kind, path in files.items():
            for n, url in enumerate(databases(args.smoke, folder)):
                work = folder / f"{n}-{kind}"
                work.mkdir()
                with ExitStack() as stack:
                    if is_postgres(url):
                        stack.enter_context(postgres_database(url))
                    else:  # a fresh SQLite file per run
                        url = url.replace(".sqlite3", f"-{kind}.sqlite3")
                    result = run_one(url, path, changed[kind], work)
                size = path.stat().st_size / 1e6
                db = "postgresql" if is_postgres(url) else "sqlite"
                results.append({"db": db, "file": kind, "mb": round(size, 1), **result})
                print(json.dumps(results[-1]), flush=True)
    if args.smoke:
        check_smoke(results, rows)


def check_smoke(results: list[dict], rows: int) -> None:
    """Every pass counted what it should (created, then matched, then updated)."""
    figures = {f"{r['db']} {r['file']} {k}": r[k] for r in results for k in r if k.endswith("_s")}
    facts = {}
    for r in results:
        name = f"{r['db']} {r['file']}"
        facts[f"{name}: first import creates every row"] = r["first_counts"] == [rows, 0, 0]
        facts[f"{name}: the same file creates nothing"] = r["same_counts"] == [0, rows, 0]
        facts[f"{name}: the changed file matches every row"] = r["changed_counts"] == [0, rows, 0]
        facts[f"{name}: two phones per contact"] = r["phones"] == 2 * r["contacts"] == 2 * rows
    check("contacts_import", figures, facts)


if __name__ == "__main__":
    main()
