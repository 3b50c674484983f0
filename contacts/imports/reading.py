"""Read a contacts file row by row, CSV or XLSX, without loading it all into memory.

CSV goes through the csv module line by line (UTF-8, with or without BOM; comma,
semicolon or tab, whichever the header line uses); XLSX through openpyxl's
read-only mode, which streams the sheet's XML. Both yield plain lists of strings, header first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read; the message says what to do."""


def kind_of(name: str, head: bytes) -> str:
    """ "xlsx" or "csv", from the content first (a renamed file still works), then the name."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if name.lower().endswith((".xls", ".xlsx", ".ods")):
        raise UnreadableFile(_("Only .xlsx spreadsheets and .csv files can be imported."))
    return "csv"


@contextmanager
def open_rows(binary: IO[bytes], name: str) -> Iterator[Iterator[list[str]]]:
    """Rows of the file as lists of stripped strings; empty rows are kept (row numbers)."""
    head = binary.read(4)
    binary.seek(0)
    if kind_of(name, head) == "xlsx":
        with _xlsx_rows(binary) as rows:
            yield rows
    else:
        rows = _csv_rows(binary)
        try:
            yield rows
        finally:
            rows.close()  # let the reader let go of the file before its owner closes it


def _csv_rows(binary: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
    header = text.readline()
    text.seek(0)
    # The header decides: data cells may hold "0722…; 0733…", which would fool a sniffer.
    delimiter = max(",;\t", key=header.count)
    try:
        for row in csv.reader(text, delimiter=delimiter):
            yield [cell.strip() for cell in row]
    finally:
        text.detach()  # the caller owns and closes the underlying file


@contextmanager
def _xlsx_sheet(binary: IO[bytes]):
    from openpyxl import load_workbook

    try:
        book = load_workbook(binary, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise UnreadableFile(
            _("This spreadsheet cannot be read (%(error)s). Save it again as .xlsx or .csv.")
            % {"error": exc}
        ) from None
    try:
        yield book.worksheets[0]
    finally:
        book.close()


@contextmanager
def _xlsx_rows(binary: IO[bytes]) -> Iterator[Iterator[list[str]]]:
    with _xlsx_sheet(binary) as sheet:
        yield ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))


def _cell(value: object) -> str:
    """Spreadsheet cells come typed: a phone typed as a number must not become "7.22e8"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def inspect_file(binary: IO[bytes], name: str) -> tuple[list[str], int]:
    """The header row and the number of data rows, for the upload check and progress bar.

    CSV: one streaming pass. XLSX: the rows are counted as ``<row`` tags in the sheet's
    XML, a byte scan of well under a second where parsing 100,000 rows with openpyxl
    takes about fifteen (bench/contacts_import.py); blank rows may be counted, and the
    job corrects its total when done.
    """
    head = binary.read(4)
    binary.seek(0)
    if kind_of(name, head) == "xlsx":
        with _xlsx_sheet(binary) as sheet:
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            total = _xml_row_count(sheet)
            if total is None:
                total = sum(1 for row in sheet.iter_rows(values_only=True) if any(row))
            return [_cell(v) for v in first], max(total - 1, 0)
    with open_rows(binary, name) as rows:
        header = next(rows, [])
        return header, sum(1 for row in rows if any(row))


def _xml_row_count(sheet) -> int | None:
    """Row elements in the worksheet XML; None when openpyxl's internals are not as expected."""
    archive = getattr(sheet.parent, "_archive", None)
    path = getattr(sheet, "_worksheet_path", None)
    if archive is None or not path:
        return None
    count, tail = 0, b""
    with archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk  # a tag split between chunks is found; none counted twice
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-4:]
    return count or None
