"""The statistics tables as cells: the page's tables and the CSV download share them,
so a spreadsheet always says exactly what the page said."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from calls.stats.selectors import Bucket, Numbers, Row, Statistics


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def numbers_header() -> list[str]:
    return [
        _("Calls"),
        _("Answered"),
        _("Answer rate (%)"),
        _("Average talk time (s)"),
        _("Median talk time (s)"),
        _("Average wait (s)"),
        _("Median wait (s)"),
    ]


def numbers_cells(numbers: Numbers) -> list[str]:
    return [
        str(numbers.calls),
        str(numbers.answered),
        percent(numbers.answer_rate),
        seconds(numbers.avg_talk),
        seconds(numbers.median_talk),
        seconds(numbers.avg_wait),
        seconds(numbers.median_wait),
    ]


def bucket_label(start: datetime | date) -> str:
    if isinstance(start, datetime):
        return date_format(start, "H:i")
    return date_format(start, "SHORT_DATE_FORMAT")


def series_table(buckets: Iterable[Bucket]) -> list[list[str]]:
    return [
        [bucket_label(b.start), str(b.calls), str(b.answered), str(b.unanswered)] for b in buckets
    ]


def series_header(hourly: bool) -> list[str]:
    return [_("Hour") if hourly else _("Day"), _("Calls"), _("Answered"), _("Not answered")]


def rows_table(rows: Iterable[Row]) -> list[list[str]]:
    return [[row.label, *numbers_cells(row.numbers)] for row in rows]


KINDS = ("agents", "projects", "series")


def table(stats: Statistics, kind: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of one of the page's tables."""
    if kind == "series":
        return series_header(stats.hourly), series_table(stats.series)
    if kind == "projects":
        return [_("Project"), *numbers_header()], rows_table(stats.projects)
    return [_("Agent"), *numbers_header()], rows_table(stats.agents)


def csv_response(stats: Statistics, kind: str) -> HttpResponse:
    header, rows = table(stats, kind)
    period = f"{stats.period.first.isoformat()}_{stats.period.last.isoformat()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="calls-{kind}-{period}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
