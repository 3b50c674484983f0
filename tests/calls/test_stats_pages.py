"""The statistics page and its CSV downloads, as a supervisor and as an agent sees them."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.calls.stats_fixtures import the_day
from tests.factories import make_user

pytestmark = pytest.mark.django_db

THE_15TH = {"period": "custom", "from": "2026-01-15", "to": "2026-01-15"}


@pytest.fixture(autouse=True)
def bucharest(settings):
    settings.TIME_ZONE = "Europe/Bucharest"


@pytest.fixture
def supervisor_client(client):
    client.force_login(make_user("supervisor"))
    return client


class TableCells(HTMLParser):
    """The header and body cells of one <table id=...>, as text."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table(html: str, table_id: str) -> list[list[str]]:
    parser = TableCells(table_id)
    parser.feed(html)
    return parser.rows


def test_agents_may_not_see_statistics(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("stats")).status_code == 403
    assert client.get(reverse("stats-export")).status_code == 403


def test_people_not_logged_in_are_sent_to_log_in(client):
    assert client.get(reverse("stats")).url.startswith(reverse("login"))


def test_admins_see_statistics_and_supervisors_find_the_link(client):
    client.force_login(make_user("admin"))
    page = client.get(reverse("stats"))
    assert page.status_code == 200
    assert f'href="{reverse("stats")}"' in page.text
    assert f'href="{reverse("board")}"' in page.text


def test_agents_have_no_statistics_link(client, agent):
    client.force_login(agent.user)
    assert f'href="{reverse("stats")}"' not in client.get(reverse("home")).text


def test_the_page_shows_the_days_numbers_in_tables(supervisor_client):
    the_day()
    page = supervisor_client.get(reverse("stats"), THE_15TH)
    agents = table(page.text, "table-agents")
    assert agents[0][:4] == ["Agent", "Calls", "Answered", "Answer rate (%)"]
    assert agents[0][4:] == ["Average talk time", "Median talk time", "Average wait", "Median wait"]
    assert agents[1] == ["Ana Popescu", "3", "2", "66.7", "1:30", "1:30", "0:15", "0:15"]
    assert agents[3][:4] == ["No agent", "1", "0", "0.0"]
    hours = table(page.text, "table-series")
    assert len(hours) == 1 + 24
    assert hours[1] == ["00:00", "2", "1", "1"] and hours[24] == ["23:00", "2", "1", "1"]
    assert "57.1" in page.text  # the answer rate of the whole day


def test_the_charts_draw_the_same_numbers_as_the_tables(supervisor_client):
    the_day()
    page = supervisor_client.get(reverse("stats"), THE_15TH)
    charts = json.loads(page.context["charts"] and json.dumps(page.context["charts"]))
    assert sum(charts["series"]["answered"]) == 4 and sum(charts["series"]["unanswered"]) == 3
    assert charts["agents"]["rates"] == [66.7, 66.7, 0.0]
    assert 'id="stats-charts"' in page.text and "chart-4.6.1.umd.min.js" in page.text


@pytest.mark.parametrize(
    ("kind", "table_id"),
    [("agents", "table-agents"), ("series", "table-series"), ("projects", "table-projects")],
)
def test_the_csv_download_equals_the_table_on_the_page(supervisor_client, kind, table_id):
    the_day()
    page = supervisor_client.get(reverse("stats"), THE_15TH)
    download = supervisor_client.get(reverse("stats-export"), {**THE_15TH, "kind": kind})
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows == as_spreadsheet(table(page.text, table_id), day="2026-01-15")
    assert f"kind={kind}" in page.text  # the page links to exactly this download


DURATIONS = ("Average talk time", "Median talk time", "Average wait", "Median wait")


def as_spreadsheet(page_table: list[list[str]], day: str) -> list[list[str]]:
    """The page's table as its CSV spells it: durations in whole seconds under a "(s)"
    header, the hours of a day as ISO 8601 date and time; every number the same."""
    header, *rows = page_table
    durations = {i for i, name in enumerate(header) if name in DURATIONS}
    hourly = header[0] == "Hour"

    def seconds(clock: str) -> str:
        if not clock:
            return ""
        total = 0
        for part in clock.split(":"):
            total = total * 60 + int(part)
        return str(total)

    return [
        [f"{name} (s)" if i in durations else name for i, name in enumerate(header)],
        *(
            [
                f"{day}T{cell}" if i == 0 and hourly else seconds(cell) if i in durations else cell
                for i, cell in enumerate(row)
            ]
            for row in rows
        ),
    ]


def test_durations_read_as_minutes_and_seconds_and_numbers_align_right(supervisor_client):
    the_day()
    page = supervisor_client.get(reverse("stats"), THE_15TH).text
    assert '<td class="num">1:30</td>' in page and "90.0" not in page
    assert '<th scope="col" class="num">Calls</th>' in page


def test_a_long_duration_reads_in_hours():
    from calls.stats.export import clock, seconds

    assert clock(6.0) == "0:06" and clock(3725.4) == "1:02:05" and clock(None) == ""
    assert seconds(8.5) == "9" and seconds(6.0) == "6"


def test_the_csv_dates_are_iso_8601(supervisor_client, settings):
    settings.LANGUAGE_CODE = "en-us"
    the_day()
    week = {"period": "custom", "from": "2026-01-14", "to": "2026-01-16"}
    download = supervisor_client.get(reverse("stats-export"), {**week, "kind": "series"})
    days = [row[0] for row in csv.reader(io.StringIO(download.content.decode()))][1:]
    assert days == ["2026-01-14", "2026-01-15", "2026-01-16"]


def test_a_project_filter_narrows_the_page(supervisor_client):
    project, _ana, _mihai = the_day()
    other = the_day()[0]
    mixed = table(supervisor_client.get(reverse("stats"), THE_15TH).text, "table-projects")
    assert [row[0] for row in mixed[1:]] == sorted([project.name, other.name])
    page = supervisor_client.get(reverse("stats"), {**THE_15TH, "project": project.pk})
    assert [row[0] for row in table(page.text, "table-projects")[1:]] == [project.name]
    assert f"project={project.pk}" in page.text
