"""The import itself, in batches: run by the Celery task, resumable after a crash.

Duplicates are found by E.164 number. A row whose number already belongs to a
contact of the project (from before, or from an earlier row of the same file)
UPDATES that contact: non-empty cells replace its name, company, CRM link and owner
(an empty cell keeps what is there), and its other numbers are added to it. Such a
row counts as "updated"; a row with none of its numbers known creates a contact.
So importing the same file twice creates nothing the second time.

Each batch (BATCH_SIZE rows) is one transaction that also moves the job's counters,
so a worker that dies mid-file resumes after the last committed batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.imports.reading import UnreadableFile, open_rows
from contacts.imports.rows import OwnerIndex, Row, columns_from, message_for, parse_row
from contacts.models import Contact, ContactPhone, ImportJob
from contacts.services import new_phone

log = logging.getLogger("contacts.imports")

BATCH_SIZE = 500
MAX_STORED_ERRORS = 5000  # the job row stays small; the summary says how many were left out
UPDATE_FIELDS = ["name", "company", "crm_url", "owner", "updated_at"]  # order of _update()


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)


def run_import(job_id: int) -> str:
    """Import the rows of a confirmed job; a job not running (done, or redelivered) is left."""
    job = ImportJob.objects.select_related("project").get(pk=job_id)
    if job.state != ImportJob.State.RUNNING:
        return job.state
    try:
        _run(job)
    except (UnreadableFile, OSError) as exc:
        _fail(job, str(exc))
    except Exception:
        log.exception("import job %s failed", job_id)
        _fail(job, _("The import stopped on an unexpected error; the rows so far are saved."))
        raise
    return ImportJob.State.DONE


def _run(job: ImportJob) -> None:
    owners = OwnerIndex(job.project)
    with job.file.open("rb") as binary, open_rows(binary, job.original_name) as rows:
        columns = columns_from(next(rows, []))
        numbered = ((n, cells) for n, cells in enumerate(rows, start=2) if any(cells))
        remaining = islice(numbered, job.processed_rows, None)  # resume after a crash
        while batch := list(islice(remaining, BATCH_SIZE)):
            parsed = [
                parse_row(cells, n, columns, job.project.region, owners) for n, cells in batch
            ]
            with transaction.atomic():
                result = import_batch(job.project_id, parsed)
                _advance(job, len(batch), result)
    job.state = ImportJob.State.DONE
    job.finished_at = timezone.now()
    job.total_rows = job.processed_rows  # the count at upload was a forecast; this is fact
    job.save(update_fields=["state", "finished_at", "total_rows"])


def _advance(job: ImportJob, rows: int, result: BatchResult) -> None:
    job.processed_rows += rows
    job.created_count += result.created
    job.updated_count += result.updated
    job.skipped_count += result.skipped
    room = MAX_STORED_ERRORS - len(job.errors)
    if room > 0:
        job.errors.extend(result.errors[:room])
    job.total_rows = max(job.total_rows, job.processed_rows)
    job.save(
        update_fields=[
            "processed_rows",
            "created_count",
            "updated_count",
            "skipped_count",
            "errors",
            "total_rows",
        ]
    )


def _fail(job: ImportJob, message: str) -> None:
    job.refresh_from_db()
    job.errors = [*job.errors, {"row": None, "message": message}][-MAX_STORED_ERRORS:]
    job.state = ImportJob.State.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["errors", "state", "finished_at"])


def import_batch(project_id: int, rows: list[Row]) -> BatchResult:
    """Create or update the contacts of one batch with a handful of queries."""
    result = BatchResult()
    good = []
    for row in rows:
        if row.error:
            result.skipped += 1
            result.errors.append({"row": row.number, "message": message_for(row)})
        else:
            good.append(row)
    numbers = {e164 for row in good for e164 in row.phones}
    owner_of = dict(
        # The contact's project too: a phone left behind by a moved contact matches nothing.
        ContactPhone.objects.filter(
            project_id=project_id, contact__project_id=project_id, number__in=numbers
        ).values_list("number", "contact_id")
    )
    existing = Contact.objects.in_bulk(set(owner_of.values()))
    new: list[Contact] = []
    pending: dict[str, Contact] = {}  # number → contact (existing, or new in this batch)
    phones: list[tuple[Contact, str]] = []
    touched: dict[int, Contact] = {}
    for row in good:
        target = _target(row, owner_of, existing, pending)
        if target is None:
            target = Contact(project_id=project_id)
            new.append(target)
            result.created += 1
            _apply(target, row)
        else:
            result.updated += 1
            if _apply(target, row) and target.pk:
                touched[target.pk] = target  # unchanged contacts cost no UPDATE
        for e164 in row.phones:
            if e164 not in owner_of and e164 not in pending:
                pending[e164] = target
                phones.append((target, e164))
    Contact.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if touched:
        _update(touched.values())
    ContactPhone.objects.bulk_create(
        [new_phone(c, n) for c, n in phones],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    return result


def _update(contacts) -> None:
    """One prepared UPDATE run for every changed contact (executemany).

    bulk_update() builds CASE WHEN expressions that grow with rows times fields and was
    the slowest part of a re-import (measured in bench/contacts_import.py).
    """
    meta = Contact._meta
    columns = [meta.get_field(name).column for name in UPDATE_FIELDS]
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608
    now = timezone.now()
    params = [(c.name, c.company, c.crm_url, c.owner_id, now, c.pk) for c in contacts]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _target(
    row: Row, owner_of: dict[str, int], existing: dict[int, Contact], pending: dict[str, Contact]
) -> Contact | None:
    for e164 in row.phones:
        if e164 in pending:
            return pending[e164]
        if e164 in owner_of and owner_of[e164] in existing:
            return existing[owner_of[e164]]
    return None


def _apply(contact: Contact, row: Row) -> bool:
    """Copy the row's non-empty cells onto the contact; whether anything changed."""
    before = (contact.name, contact.company, contact.crm_url, contact.owner_id)
    contact.name = row.name or contact.name
    contact.company = row.company or contact.company
    contact.crm_url = row.crm_url or contact.crm_url
    if row.owner_id:
        contact.owner_id = row.owner_id
    return before != (contact.name, contact.company, contact.crm_url, contact.owner_id)
