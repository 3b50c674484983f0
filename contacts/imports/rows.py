"""From a file's header and cells to contacts: which column is what, and each row checked.

Columns (header names, any case, in any order): ``name`` (required), ``company``,
``phone`` / ``phones`` / ``phone 2`` / ``phone2`` / ``mobile`` / ``tel`` ... (one or several
columns; a cell may hold several numbers separated by ";" or ","), ``crm_url``,
``owner`` (the agent's extension or user name). Unknown columns are ignored.

A row with a problem (no name, a bad phone number, an unknown owner, a CRM link that
is not http(s)) is skipped as a whole and listed with its row number, so the file can
be fixed and imported again: importing is repeatable (see services.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from calls.models import Agent, Project
from calls.spreadsheet import unguarded
from contacts.imports.reading import UnreadableFile
from contacts.phones import InvalidPhoneNumber, normalize_phone

_ALIASES = {
    "name": {"name", "full name", "contact", "contact name", "nume"},
    "company": {"company", "organisation", "organization", "firm", "companie", "firma"},
    "crm_url": {"crm_url", "crm url", "crm", "crm link", "url", "link"},
    "owner": {"owner", "agent", "extension", "owner extension", "owner username"},
}
# "phone", "phone 2", "phone2", "phone_3", "mobile1", "phones": every one is a phone column.
_PHONE = re.compile(r"^(phone|phones|tel|telephone|mobile|mobil|telefon|number)(\s*\d+)?\b")
_SEPARATORS = re.compile(r"[;,|\n]")


@dataclass(frozen=True)
class Columns:
    name: int
    phones: tuple[int, ...]
    company: int | None = None
    crm_url: int | None = None
    owner: int | None = None


@dataclass
class Row:
    """A row as it will be imported, or with the reason it will not."""

    number: int  # as a spreadsheet shows it: the header is row 1
    name: str = ""
    company: str = ""
    crm_url: str = ""
    owner_id: int | None = None
    owner_label: str = ""
    phones: list[str] = field(default_factory=list)
    error: str = ""


def columns_from(header: list[str]) -> Columns:
    """Find the columns by name; refuse a file without a name or phone column."""
    found: dict[str, int] = {}
    phones: list[int] = []
    for index, raw in enumerate(header):
        label = re.sub(r"[\s_]+", " ", raw.strip().lower()).replace("crm url", "crm_url")
        if _PHONE.match(label):
            phones.append(index)
            continue
        for key, names in _ALIASES.items():
            if key not in found and (label in names or label.replace(" ", "_") in names):
                found[key] = index
    if "name" not in found or not phones:
        raise UnreadableFile(
            _(
                "The first row must name the columns, with at least “name” and “phone”"
                " (also understood: company, crm_url, owner). Found: %(found)s."
            )
            % {"found": ", ".join(h for h in header if h) or _("an empty row")}
        )
    return Columns(phones=tuple(phones), **found)


class OwnerIndex:
    """The project's agents by extension and by user name, loaded once per import."""

    def __init__(self, project: Project) -> None:
        self.by_key: dict[str, int] = {}
        agents = Agent.objects.filter(project=project).values_list(
            "pk", "extension", "user__username"
        )
        for pk, extension, username in agents:
            self.by_key.setdefault(extension.strip().lower(), pk)
            self.by_key.setdefault(username.lower(), pk)

    def find(self, value: str) -> int | None:
        return self.by_key.get(value.strip().lower())


def parse_row(
    cells: list[str], number: int, columns: Columns, region: str, owners: OwnerIndex
) -> Row:
    def cell(index: int | None) -> str:
        # A cell our export guarded against formulas reads back as it was typed.
        return unguarded(cells[index].strip()) if index is not None and index < len(cells) else ""

    row = Row(number=number, name=cell(columns.name)[:200], company=cell(columns.company)[:200])
    row.crm_url, row.owner_label = cell(columns.crm_url), cell(columns.owner)
    raw_phones = [p.strip() for i in columns.phones for p in _SEPARATORS.split(cell(i))]
    raw_phones = [p for p in raw_phones if p]
    row.error = _check(row, raw_phones, region, owners)
    return row


def _check(row: Row, raw_phones: list[str], region: str, owners: OwnerIndex) -> str:
    if not row.name:
        return _("the name is missing")
    if not raw_phones:
        return _("no phone number")
    for raw in raw_phones:
        try:
            e164 = normalize_phone(raw, region)
        except InvalidPhoneNumber as exc:
            return str(exc)
        if e164 not in row.phones:
            row.phones.append(e164)
    if row.crm_url and (len(row.crm_url) > 500 or not re.match(r"^https?://\S+$", row.crm_url)):
        return _("“%(url)s” is not a web address (http:// or https://)") % {"url": row.crm_url}
    if row.owner_label:
        row.owner_id = owners.find(row.owner_label)
        if row.owner_id is None:
            return _("no agent of this project has the extension or user name “%(owner)s”") % {
                "owner": row.owner_label
            }
    return ""


def message_for(row: Row) -> str:
    """The line shown to the admin: "row 12: “0722 1” has the wrong number of digits for RO"."""
    return _("row %(row)s: %(error)s") % {"row": row.number, "error": row.error}
