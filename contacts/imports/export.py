"""All contacts of a project as CSV, streamed: the same columns the import reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice

from asgiref.sync import sync_to_async
from django.db.models import Prefetch

from calls.models import Project
from calls.spreadsheet import SafeWriter
from contacts.models import Contact, ContactPhone

HEADER = ["name", "company", "phones", "crm_url", "owner"]
CHUNK = 2000


class _Echo:
    """csv.writer writes into this and gets the line back, so nothing accumulates."""

    def write(self, value: str) -> str:
        return value


def export_rows(project: Project) -> Iterator[str]:
    """CSV lines; phones in E.164 separated by "; " so the file imports back unchanged."""
    writer = SafeWriter(_Echo())
    yield "\ufeff"  # a BOM, so Excel opens UTF-8 names correctly
    yield writer.writerow(HEADER)
    contacts = (
        Contact.objects.filter(project=project)
        .select_related("owner")
        .prefetch_related(Prefetch("phones", queryset=ContactPhone.objects.order_by("id")))
        .order_by("name", "id")
    )
    for contact in contacts.iterator(chunk_size=CHUNK):
        yield writer.writerow(
            [
                contact.name,
                contact.company,
                "; ".join(phone.number for phone in contact.phones.all()),
                contact.crm_url,
                contact.owner.extension if contact.owner else "",
            ]
        )


async def export_rows_async(project: Project, lines_per_chunk: int = 500) -> AsyncIterator[str]:
    """The same lines for ASGI servers, read in chunks on Django's one sync thread."""
    rows = export_rows(project)
    take = sync_to_async(lambda: "".join(islice(rows, lines_per_chunk)))
    while chunk := await take():
        yield chunk
