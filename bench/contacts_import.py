"""Contacts import of 100,000 rows, CSV and XLSX, on SQLite and PostgreSQL.

    .venv/bin/python bench/contacts_import.py [--rows 100000] [--pg postgres://...]

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "bench_contacts_import"


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
    """Runs inside the child: Django set up on the bench database, already migrated."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from calls.models import Agent, PbxAccount, Project
    from contacts.imports import processing, services
    from contacts.models import Contact, ContactPhone

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
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(changed)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_database(create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        if create:
            conn.execute(f"CREATE DATABASE {PG_NAME}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = write_files(folder, args.rows)
        changed = write_files(folder, args.rows, version="-v2")
        print(f"files written in {time.perf_counter() - started:.1f} s", flush=True)
        for kind, path in files.items():
            for name in ("sqlite", "postgresql"):
                work = folder / f"{name}-{kind}"
                work.mkdir()
                if name == "sqlite":
                    database = f"sqlite:///{work / 'bench.sqlite3'}"
                else:
                    pg_database(create=True)
                    database = f"{PG_ADMIN}/{PG_NAME}"
                try:
                    result = run_one(database, path, changed[kind], work)
                finally:
                    if name == "postgresql":
                        pg_database(create=False)
                size = path.stat().st_size / 1e6
                print(json.dumps({"db": name, "file": kind, "mb": round(size, 1), **result}))


if __name__ == "__main__":
    main()
