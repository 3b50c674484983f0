"""Which stretch of time the statistics cover, read from the page's query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PRESETS = {
    "today": _("Today"),
    "yesterday": _("Yesterday"),
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "custom": _("From … to …"),
}
MAX_DAYS = 366  # a custom range longer than a year would be a slow page nobody reads


@dataclass(frozen=True)
class Period:
    """Local calendar days ``first``..``last`` (both included), in the configured TIME_ZONE."""

    preset: str
    first: date
    last: date
    error: str = ""

    @property
    def start(self) -> datetime:
        return _local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight after ``last`` (23 or 25 hours away on DST days)."""
        return _local_midnight(self.last + timedelta(days=1))

    @property
    def single_day(self) -> bool:
        return self.first == self.last

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def query(self) -> dict[str, str]:
        """The query-string values that choose this period again (export links)."""
        values = {"period": self.preset}
        if self.preset == "custom":
            values.update({"from": self.first.isoformat(), "to": self.last.isoformat()})
        return values


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()


def parse_period(params: Mapping[str, str], now: datetime | None = None) -> Period:
    """The period a request asks for; a bad custom range falls back to today with a reason."""
    today = local_today(now)
    preset = params.get("period") or "today"
    if preset == "yesterday":
        day = today - timedelta(days=1)
        return Period(preset, day, day)
    if preset == "7d":
        return Period(preset, today - timedelta(days=6), today)
    if preset == "30d":
        return Period(preset, today - timedelta(days=29), today)
    if preset == "custom":
        return _custom(params, today)
    return Period("today", today, today)


def _custom(params: Mapping[str, str], today: date) -> Period:
    try:
        first = date.fromisoformat(params.get("from") or "")
        last = date.fromisoformat(params.get("to") or params.get("from") or "")
    except ValueError:
        return Period("today", today, today, str(_("Choose both dates of the custom period.")))
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        message = _("A custom period can cover at most %(days)s days.") % {"days": MAX_DAYS}
        return Period("today", today, today, str(message))
    return Period("custom", first, last)
