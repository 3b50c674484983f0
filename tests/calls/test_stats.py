"""Statistics numbers against a hand-counted day (tests/calls/stats_fixtures.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from calls.stats.period import parse_period
from calls.stats.selectors import call_statistics, calls_in, grouped, python_medians, totals
from tests.calls.stats_fixtures import local, make_call, the_day
from tests.factories import make_agent, make_project

pytestmark = pytest.mark.django_db

THE_15TH = {"period": "custom", "from": "2026-01-15", "to": "2026-01-15"}


@pytest.fixture(autouse=True)
def bucharest(settings):
    settings.TIME_ZONE = "Europe/Bucharest"


def test_the_day_totals_answer_rate_talk_and_wait():
    the_day()
    totals = call_statistics(parse_period(THE_15TH)).totals
    assert (totals.calls, totals.answered, totals.unanswered) == (7, 4, 3)
    assert totals.answer_rate == pytest.approx(400 / 7)
    assert totals.avg_talk == pytest.approx(70)
    assert totals.median_talk == pytest.approx(60)
    assert totals.avg_wait == pytest.approx(10.5, abs=0.01)
    assert totals.median_wait == pytest.approx(8.5, abs=0.01)


def test_per_agent_rows_include_the_calls_nobody_took():
    the_day()
    rows = call_statistics(parse_period(THE_15TH)).agents
    assert [row.label for row in rows] == ["Ana Popescu", "Mihai Ionescu", "No agent"]
    ana, mihai, nobody = (row.numbers for row in rows)
    assert (ana.calls, ana.answered) == (3, 2)
    assert ana.answer_rate == pytest.approx(200 / 3)
    assert (ana.avg_talk, ana.median_talk) == (pytest.approx(90), pytest.approx(90))
    assert ana.avg_wait == pytest.approx(15, abs=0.01)
    assert ana.median_wait == pytest.approx(15, abs=0.01)
    assert (mihai.calls, mihai.answered, mihai.median_talk) == (3, 2, pytest.approx(30))
    assert mihai.median_wait == pytest.approx(6, abs=0.01)
    assert (nobody.calls, nobody.answered, nobody.answer_rate) == (1, 0, 0)
    assert nobody.median_talk is None and nobody.avg_wait is None


def test_calls_per_local_hour_follow_the_configured_time_zone():
    the_day()
    stats = call_statistics(parse_period(THE_15TH))
    assert stats.hourly and len(stats.series) == 24
    busy = {b.start.hour: (b.calls, b.answered) for b in stats.series if b.calls}
    # 00:30 local is 22:30 UTC the day before; 16 Jan 00:10 local is still the 15th in UTC.
    assert busy == {0: (2, 1), 9: (2, 2), 12: (1, 0), 23: (2, 1)}


def test_calls_per_day_over_several_days():
    the_day()
    period = parse_period({"period": "custom", "from": "2026-01-14", "to": "2026-01-16"})
    stats = call_statistics(period)
    assert not stats.hourly
    assert [(b.start, b.calls) for b in stats.series] == [
        (date(2026, 1, 14), 1),
        (date(2026, 1, 15), 7),
        (date(2026, 1, 16), 1),
    ]


def test_the_day_the_clocks_go_forward_has_23_hours():
    project = make_project()
    make_call(project, None, at=local(29, 4, 30, month=3), status="missed", direction="inbound")
    period = parse_period({"period": "custom", "from": "2026-03-29", "to": "2026-03-29"})
    series = call_statistics(period).series
    assert len(series) == 23
    assert [b.start.hour for b in series if b.calls] == [4]


def test_a_project_filter_counts_only_that_projects_calls():
    project, _ana, _mihai = the_day()
    other = make_project()
    make_call(other, make_agent(other), at=local(15, 10), status="completed", wait=1, talk=5)
    assert call_statistics(parse_period(THE_15TH)).totals.calls == 8
    stats = call_statistics(parse_period(THE_15TH), project)
    assert stats.totals.calls == 7
    assert [row.label for row in stats.projects] == [project.name]


def test_the_python_median_agrees_with_the_database_median():
    """On PostgreSQL this compares percentile_cont with the SQLite fallback."""
    the_day()
    calls = calls_in(parse_period(THE_15TH))
    python = python_medians(calls, ("agent", "project"))
    assert python[None][None] == (60, pytest.approx(8.5, abs=0.01))
    whole = totals(calls)
    assert (whole.median_talk, whole.median_wait) == (60, pytest.approx(8.5, abs=0.01))
    for group in ("agent", "project"):
        for key, numbers in grouped(calls, group).items():
            talk, wait = python[group].get(key, (None, None))
            assert numbers.median_talk == (pytest.approx(talk) if talk is not None else None)
            assert numbers.median_wait == (
                pytest.approx(wait, abs=0.01) if wait is not None else None
            )


def test_an_empty_period_has_no_rates_and_empty_buckets():
    stats = call_statistics(parse_period(THE_15TH))
    assert stats.totals.calls == 0 and stats.totals.answer_rate is None
    assert stats.agents == [] and sum(b.calls for b in stats.series) == 0


@pytest.mark.parametrize(
    ("params", "first", "last"),
    [
        ({}, date(2026, 1, 15), date(2026, 1, 15)),
        ({"period": "yesterday"}, date(2026, 1, 14), date(2026, 1, 14)),
        ({"period": "7d"}, date(2026, 1, 9), date(2026, 1, 15)),
        ({"period": "30d"}, date(2025, 12, 17), date(2026, 1, 15)),
        (
            {"period": "custom", "from": "2026-01-10", "to": "2026-01-02"},
            date(2026, 1, 2),
            date(2026, 1, 10),
        ),
    ],
)
def test_periods_are_local_calendar_days(params, first, last):
    # 23:30 UTC on the 14th is already the 15th in Bucharest.
    now = datetime(2026, 1, 14, 23, 30, tzinfo=ZoneInfo("UTC"))
    period = parse_period(params, now)
    assert (period.first, period.last, period.error) == (first, last, "")
    assert period.start == datetime(
        first.year, first.month, first.day, tzinfo=ZoneInfo("Europe/Bucharest")
    )


def test_a_broken_custom_period_says_why_and_shows_today():
    period = parse_period({"period": "custom", "from": "soon"})
    assert period.preset == "today" and "dates" in period.error
