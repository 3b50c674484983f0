"""CSV export of the filtered history, streamed with flat memory.

Rows come from a server-side cursor (``.iterator(chunk_size=2000)``) as plain tuples
(``values_list``, no model instances) and leave as text in batches, so the process
holds one batch at a time whether the export has 10 rows or 1,000,000.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call
from calls.spreadsheet import SafeWriter

CHUNK_SIZE = 2000


def _columns() -> list[tuple[str, str]]:
    """(header, value path) in file order; headers in the language of the request."""
    return [
        (_("Call id"), "id"),
        (_("Time"), "requested_at"),
        (_("Answered at"), "answered_at"),
        (_("Ended at"), "ended_at"),
        (_("Direction"), "direction"),
        (_("Status"), "status"),
        (_("Project"), "project__name"),
        (_("Agent"), "agent__user__username"),
        (_("Agent name"), "agent__user__first_name"),
        (_("Agent surname"), "agent__user__last_name"),
        (_("Number"), "remote_number"),
        (_("Contact id"), "contact_id"),
        (_("Contact"), "contact__name"),
        (_("Talk time (s)"), "duration"),
        (_("Disposition"), "disposition__name"),
        (_("Note"), "note"),
        (_("Failure reason"), "failure_reason"),
        # who ended it in pbxportal (agent, supervisor, admin, system); empty: the PBX
        (_("Ended by"), "ended_by"),
    ]


def csv_chunks(calls: QuerySet[Call], rows_per_chunk: int = 500) -> Iterator[str]:
    """The header, then the rows in ``calls``' order, as CSV text in batches."""
    columns = _columns()
    paths = [path for _header, path in columns]
    time_at = [i for i, path in enumerate(paths) if path.endswith("_at")]
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow([header for header, _path in columns])
    rows = calls.values_list(*paths).iterator(chunk_size=CHUNK_SIZE)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_cells(row, time_at))
        if count % rows_per_chunk == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _cells(row: tuple, time_at: Iterable[int]) -> list:
    cells = list(row)
    for i in time_at:
        if cells[i] is not None:
            cells[i] = _local(cells[i])
    return cells


def _local(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def export_filename() -> str:
    return f"calls-{timezone.localdate():%Y-%m-%d}.csv"
