"""The call history page: filters, sorting, keyset pages and who sees which calls."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from calls import roles
from calls.models import CallDirection, CallStatus, Disposition
from tests.calls.history_factories import BASE, make_call
from tests.factories import make_agent, make_contact, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    # The factories' counter of tests.conftest, not of the conftest pytest loaded itself:
    # mixing the two would hand out the same user names twice.
    return make_agent()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-call="(\d+)"', response.content.decode())]


def supervisor_client() -> Client:
    return logged_in(make_user(roles.SUPERVISOR))


def history(client: Client, **params) -> list[int]:
    return shown_ids(client.get("/history/", params))


def test_an_agent_sees_only_their_own_calls_and_no_agent_filter(agent):
    colleague = make_agent(agent.project)
    mine = make_call(agent)
    make_call(colleague)
    client = logged_in(agent.user)
    assert history(client) == [mine.pk]
    # Asking for the colleague's calls changes nothing: the filter is forced.
    assert history(client, agent=colleague.pk) == [mine.pk]
    page = client.get("/history/").content.decode()
    assert 'name="agent"' not in page
    assert "Your own calls." in page


def test_a_supervisor_sees_every_call_of_every_project(agent):
    other = make_agent(make_project())
    calls = [make_call(agent), make_call(other)]
    assert sorted(history(supervisor_client())) == sorted(c.pk for c in calls)


def test_a_user_who_is_neither_agent_nor_supervisor_sees_no_calls(agent):
    make_call(agent)
    assert history(logged_in(make_user())) == []


def test_the_history_asks_anonymous_people_to_log_in():
    response = Client().get("/history/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_each_row_shows_time_direction_agent_contact_number_status_duration_outcome(agent):
    agent.user.first_name, agent.user.last_name = "Ana", "Popescu"
    agent.user.save()
    contact = make_contact(agent.project, "Ion Client")
    sale = Disposition.objects.create(project=agent.project, name="Sale")
    make_call(
        agent,
        number="+40722123456",
        contact=contact,
        duration=125,
        disposition=sale,
        at=BASE,
    )
    page = supervisor_client().get("/history/").content.decode()
    row = re.search(r'<tr class="status-completed".*?</tr>', page, re.S).group(0)
    for text in (
        "2026-03-10 12:00:00",
        "Outbound",
        "Ana Popescu",
        "Ion Client",
        "0722 123 456",
        "Ended",
        "2:05",
        "Sale",
    ):
        assert text in row, text


def test_filter_by_date_range_includes_both_days(agent):
    before = make_call(agent, at=BASE - timedelta(days=2))
    first_day = make_call(agent, at=BASE.replace(hour=0, minute=0))
    last_day = make_call(agent, at=BASE + timedelta(days=1, hours=11, minutes=59))
    after = make_call(agent, at=BASE + timedelta(days=2, hours=1))
    ids = history(supervisor_client(), date_from="2026-03-10", date_to="2026-03-11")
    assert ids == [last_day.pk, first_day.pk]
    assert before.pk not in ids and after.pk not in ids


def test_a_to_date_before_the_from_date_is_explained():
    page = supervisor_client().get(
        "/history/", {"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert "swap the dates" in page.content.decode()


def test_filter_by_agent_and_by_project(agent):
    colleague = make_agent(agent.project)
    elsewhere = make_agent(make_project())
    mine, theirs, far = make_call(agent), make_call(colleague), make_call(elsewhere)
    client = supervisor_client()
    assert history(client, agent=colleague.pk) == [theirs.pk]
    assert history(client, project=elsewhere.project.pk) == [far.pk]
    assert sorted(history(client, project=agent.project.pk)) == sorted([mine.pk, theirs.pk])


def test_filter_by_direction_and_status(agent):
    missed = make_call(agent, direction=CallDirection.INBOUND, status=CallStatus.MISSED)
    busy = make_call(agent, status=CallStatus.BUSY)
    make_call(agent, status=CallStatus.COMPLETED)
    client = supervisor_client()
    assert history(client, direction="inbound") == [missed.pk]
    assert history(client, status="busy") == [busy.pk]
    assert history(client, direction="outbound", status="missed") == []


@pytest.mark.parametrize(
    "typed",
    ["0722 123 456", "+40 722 123 456", "0040722123456", "(0722) 123-456", "+40722123456"],
)
def test_a_whole_number_in_any_format_finds_its_calls(agent, typed):
    wanted = make_call(agent, number="+40722123456")
    make_call(agent, number="+40722123457")
    assert history(supervisor_client(), number=typed) == [wanted.pk]


@pytest.mark.parametrize("typed", ["123 45", "722 123", "0722 12", "+4072212"])
def test_a_partial_number_matches_inside_numbers(agent, typed):
    wanted = make_call(agent, number="+40722123456")
    make_call(agent, number="+40744999888")
    assert history(supervisor_client(), number=typed) == [wanted.pk]


def test_a_number_is_read_in_the_region_of_the_chosen_project():
    dutch = make_agent(make_project(region="NL"))
    wanted = make_call(dutch, number="+31201234567")
    assert history(supervisor_client(), project=dutch.project.pk, number="020 123 4567") == [
        wanted.pk
    ]


def test_filter_by_contact_name_or_id(agent):
    ion = make_contact(agent.project, "Ion Popescu")
    maria = make_contact(agent.project, "Maria Stan")
    with_ion, with_maria = make_call(agent, contact=ion), make_call(agent, contact=maria)
    make_call(agent)
    client = supervisor_client()
    assert history(client, contact="popes") == [with_ion.pk]
    assert history(client, contact=str(maria.pk)) == [with_maria.pk]


def test_sorting_by_time_and_by_duration(agent):
    short = make_call(agent, duration=10, at=BASE)
    long = make_call(agent, duration=300, at=BASE + timedelta(minutes=1))
    unanswered = make_call(agent, status=CallStatus.NO_ANSWER, at=BASE + timedelta(minutes=2))
    client = supervisor_client()
    assert history(client) == [unanswered.pk, long.pk, short.pk]
    assert history(client, sort="oldest") == [short.pk, long.pk, unanswered.pk]
    assert history(client, sort="longest") == [long.pk, short.pk, unanswered.pk]
    assert history(client, sort="shortest") == [short.pk, long.pk, unanswered.pk]


def walk(client: Client, **params) -> list[int]:
    """Follow the "Next page" links to the end, as a person would."""
    seen, query = [], {**params}
    for _ in range(50):
        response = client.get("/history/", query)
        seen += shown_ids(response)
        match = re.search(r'id="next-page" href="\?([^"]+)"', response.content.decode())
        if not match:
            return seen
        query = dict(re.findall(r"([^&=]+)=([^&]*)", match.group(1).replace("&amp;", "&")))
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", ["newest", "oldest", "longest", "shortest"])
def test_pages_neither_repeat_nor_skip_calls_even_with_equal_times(agent, sort):
    # 130 calls on 7 distinct timestamps and 5 durations: ties everywhere.
    calls = [
        make_call(agent, at=BASE + timedelta(seconds=i % 7), duration=None if i % 5 == 0 else i % 4)
        for i in range(130)
    ]
    ids = walk(supervisor_client(), sort=sort)
    assert len(ids) == len(set(ids)) == 130
    assert set(ids) == {c.pk for c in calls}
    if sort == "newest":
        expected = sorted(calls, key=lambda c: (c.requested_at, c.pk), reverse=True)
        assert ids == [c.pk for c in expected]


def test_filters_are_kept_on_the_next_page(agent):
    for i in range(60):
        make_call(agent, status=CallStatus.BUSY if i % 2 else CallStatus.COMPLETED)
    ids = walk(supervisor_client(), status="busy")
    assert len(ids) == 30
    assert {s for s in agent.calls.filter(pk__in=ids).values_list("status", flat=True)} == {"busy"}


def test_a_calls_arriving_while_reading_does_not_shift_the_next_page(agent):
    for _ in range(55):
        make_call(agent)
    client = supervisor_client()
    first = client.get("/history/")
    next_href = re.search(r'id="next-page" href="\?([^"]+)"', first.content.decode()).group(1)
    make_call(agent, at=BASE + timedelta(days=5))  # newer than everything shown
    second = shown_ids(client.get("/history/?" + next_href.replace("&amp;", "&")))
    assert len(second) == 5
    assert not set(second) & set(shown_ids(first))


def test_a_broken_cursor_shows_the_first_page(agent):
    call = make_call(agent)
    assert history(supervisor_client(), after="garbage") == [call.pk]


def test_everyone_logged_in_has_the_history_link(agent):
    page = logged_in(agent.user).get("/").content.decode()
    assert 'href="/history/"' in page
