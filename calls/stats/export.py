"""The statistics tables as cells: the page's tables and the CSV download share them,
so a spreadsheet always says what the page said. Only the spelling differs: people read
m:ss and their own date format, spreadsheets get whole seconds and ISO 8601 dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from calls.spreadsheet import SafeWriter
from calls.stats.selectors import Bucket, Numbers, Row, Statistics


def seconds(value: float | None) -> str:
    """For spreadsheets: whole seconds (a "1:05" cell would be read as an hour)."""
    return "" if value is None else str(int(value + 0.5))


def clock(value: float | None) -> str:
    """For people: m:ss, h:mm:ss past an hour."""
    if value is None:
        return ""
    minutes, secs = divmod(int(value + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def numbers_header(csv: bool = False) -> list[str]:
    durations = [
        _("Average talk time"),
        _("Median talk time"),
        _("Average wait"),
        _("Median wait"),
    ]
    if csv:
        durations = [_("%(column)s (s)") % {"column": column} for column in durations]
    return [_("Calls"), _("Answered"), _("Answer rate (%)"), *durations]


def numbers_cells(numbers: Numbers, csv: bool = False) -> list[str]:
    duration = seconds if csv else clock
    return [
        str(numbers.calls),
        str(numbers.answered),
        percent(numbers.answer_rate),
        duration(numbers.avg_talk),
        duration(numbers.median_talk),
        duration(numbers.avg_wait),
        duration(numbers.median_wait),
    ]


def bucket_label(start: datetime | date, csv: bool = False) -> str:
    if isinstance(start, datetime):
        return start.strftime("%Y-%m-%dT%H:%M") if csv else date_format(start, "H:i")
    return start.isoformat() if csv else date_format(start, "SHORT_DATE_FORMAT")


def series_table(buckets: Iterable[Bucket], csv: bool = False) -> list[list[str]]:
    return [
        [bucket_label(b.start, csv), str(b.calls), str(b.answered), str(b.unanswered)]
        for b in buckets
    ]


def series_header(hourly: bool) -> list[str]:
    return [_("Hour") if hourly else _("Day"), _("Calls"), _("Answered"), _("Not answered")]


def rows_table(rows: Iterable[Row], csv: bool = False) -> list[list[str]]:
    return [[row.label, *numbers_cells(row.numbers, csv)] for row in rows]


KINDS = ("agents", "projects", "series")


def table(stats: Statistics, kind: str, csv: bool = False) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of one of the page's tables, or of its CSV download."""
    if kind == "series":
        return series_header(stats.hourly), series_table(stats.series, csv)
    if kind == "projects":
        return [_("Project"), *numbers_header(csv)], rows_table(stats.projects, csv)
    return [_("Agent"), *numbers_header(csv)], rows_table(stats.agents, csv)


def csv_response(stats: Statistics, kind: str) -> HttpResponse:
    header, rows = table(stats, kind, csv=True)
    period = f"{stats.period.first.isoformat()}_{stats.period.last.isoformat()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="calls-{kind}-{period}.csv"'
    writer = SafeWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
