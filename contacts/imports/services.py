"""The import job's life: uploaded (preview) → confirmed (running) → done or failed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import islice

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Project
from contacts.imports.reading import UnreadableFile, inspect_file, open_rows
from contacts.imports.rows import OwnerIndex, Row, columns_from, message_for, parse_row
from contacts.models import Contact, ContactPhone, ImportJob
from contacts.phones import format_for_people

log = logging.getLogger("contacts.imports")

PREVIEW_ROWS = 20
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class ImportRefused(ValueError):
    """The upload or the confirmation cannot go ahead; the message is for the admin."""


def create_job(*, upload: UploadedFile, project: Project, by: AbstractBaseUser) -> ImportJob:
    """Keep the file, check its header, count its rows: the job waits for confirmation."""
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ImportRefused(_("The file is larger than 100 MB; split it in parts."))
    try:
        header, total = inspect_file(upload.file, upload.name)
        columns_from(header)
    except UnreadableFile as exc:
        raise ImportRefused(str(exc)) from None
    if total == 0:
        raise ImportRefused(_("The file has a header but no rows to import."))
    upload.file.seek(0)
    return ImportJob.objects.create(
        project=project,
        created_by=by if by.is_authenticated else None,
        file=upload,
        original_name=upload.name[:255],
        total_rows=total,
    )


@dataclass(frozen=True)
class PreviewRow:
    row: Row
    outcome: str  # "new" | "update" | "skip"
    detail: str  # whom it updates, or why it is skipped


def preview(job: ImportJob) -> list[PreviewRow]:
    """The first rows as they will be imported: new, updating whom, or skipped and why."""
    owners = OwnerIndex(job.project)
    with job.file.open("rb") as binary, open_rows(binary, job.original_name) as rows:
        columns = columns_from(next(rows, []))
        numbered = ((n, cells) for n, cells in enumerate(rows, start=2) if any(cells))
        parsed = [
            parse_row(cells, n, columns, job.project.region, owners)
            for n, cells in islice(numbered, PREVIEW_ROWS)
        ]
    numbers = {e164 for row in parsed for e164 in row.phones}
    known = dict(
        ContactPhone.objects.filter(project=job.project, number__in=numbers).values_list(
            "number", "contact_id"
        )
    )
    names = dict(Contact.objects.filter(pk__in=set(known.values())).values_list("pk", "name"))
    seen: dict[str, int] = {}
    region = job.project.region
    return [_preview_row(row, known, names, seen, region) for row in parsed]


@dataclass(frozen=True)
class Forecast:
    """What confirming will do with the whole file: rows imported, rows skipped and why."""

    importable: int
    skipped: int
    reasons: list[str]  # the first skipped rows' messages ("row 3: no phone number")

    @property
    def more(self) -> int:
        """Skipped rows whose reason is not listed (the job's summary lists them all)."""
        return self.skipped - len(self.reasons)


def forecast(job: ImportJob) -> Forecast:
    """Every row checked as the import will check it (no database writes), so the button
    says how many rows will really be imported."""
    owners = OwnerIndex(job.project)
    importable, skipped, reasons = 0, 0, []
    with job.file.open("rb") as binary, open_rows(binary, job.original_name) as rows:
        columns = columns_from(next(rows, []))
        for n, cells in enumerate(rows, start=2):
            if not any(cells):
                continue
            row = parse_row(cells, n, columns, job.project.region, owners)
            if not row.error:
                importable += 1
                continue
            skipped += 1
            if len(reasons) < PREVIEW_ROWS:
                reasons.append(message_for(row))
    return Forecast(importable, skipped, reasons)


def _preview_row(
    row: Row, known: dict[str, int], names: dict[int, str], seen: dict[str, int], region: str
) -> PreviewRow:
    if row.error:
        return PreviewRow(row, "skip", message_for(row))
    outcome, detail = "new", ""
    for e164 in row.phones:
        if e164 in known:
            outcome = "update"
            detail = _("updates %(name)s (%(number)s)") % {
                "name": names.get(known[e164], "?"),
                "number": format_for_people(e164, region),
            }
            break
        if e164 in seen:
            outcome = "update"
            detail = _("same number as row %(row)s: updates that contact") % {"row": seen[e164]}
            break
    for e164 in row.phones:
        seen.setdefault(e164, row.number)
    return PreviewRow(row, outcome, detail)


def confirm(*, job: ImportJob) -> ImportJob:
    """Start the background import once; a second click finds it running already."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != ImportJob.State.PREVIEW:
            return locked
        locked.state = ImportJob.State.RUNNING
        locked.save(update_fields=["state"])
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def _enqueue(job_id: int) -> None:
    from contacts.imports.tasks import import_contacts

    try:
        import_contacts.delay(job_id)
    except Exception as exc:
        log.error("import job %s not queued: %s", job_id, exc)
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED,
            finished_at=timezone.now(),
            errors=[
                {
                    "row": None,
                    "message": _("The job queue is not reachable; nothing was imported."),
                }
            ],
        )
