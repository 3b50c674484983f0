"""Every CSV file we write goes through here: a cell a spreadsheet would run as a formula
("CSV injection": =HYPERLINK(...), =cmd|...) is written as text, with a leading apostrophe.

Names, notes, companies and even caller numbers come from people or from the PBX, so no
column is trusted; plain numbers ("+40712345678", "-3.5", "+40 712; +40 713") are left as
they are, since they cannot call anything and contacts files import back unchanged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# What spreadsheets start a formula with, including the full-width forms some accept.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBERS = re.compile(r"[+\-]?[\d\s().;,+\-]*\Z")
GUARD = "'"


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that cannot run: text a formula could start with gets GUARD."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" ")[:1]
    if first in FORMULA_STARTS and not _PLAIN_NUMBERS.match(value.strip()):
        return GUARD + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def unguarded(value: str) -> str:
    """What an import reads back from a cell we guarded ("'=x" is "=x")."""
    if value.startswith(GUARD) and value[1:2] and value[1:].lstrip(" ")[:1] in FORMULA_STARTS:
        return value[1:]
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """csv.writer whose every cell passes ``safe_cell``."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self._writer.writerow(safe_row(row))
