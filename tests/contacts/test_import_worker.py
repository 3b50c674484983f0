"""The import job through a real Celery worker: confirmed, it runs in batches to done."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.imports import services
from contacts.models import Contact, ImportJob
from tests.factories import make_project, make_user
from tests.processes import celery_worker, database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_worker_imports_the_file_and_the_progress_climbs_to_done():
    project = make_project()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "phone"])
    writer.writerows([f"Person {i}", f"07440{i:05d}"] for i in range(3000))
    writer.writerow(["Bad", "0722 1"])
    upload = SimpleUploadedFile("big.csv", out.getvalue().encode(), "text/csv")
    job = services.create_job(upload=upload, project=project, by=make_user("admin"))
    seen = []

    def finished():
        job.refresh_from_db()
        seen.append(job.processed_rows)
        return job.state != ImportJob.State.RUNNING

    # The worker is not a test process: point it at the test database explicitly.
    with celery_worker(extra_env={"DATABASE_URL": database_url()}):
        services.confirm(job=job)  # outside a transaction: enqueued at once
        wait_for(finished, timeout=90, interval=0.1)
    assert job.state == "done", job.errors
    assert seen == sorted(seen) and seen[-1] == job.total_rows == 3001
    assert (job.created_count, job.skipped_count) == (3000, 1)
    assert Contact.objects.filter(project=project).count() == 3000
