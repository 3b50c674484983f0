"""The callbacks page: agents see their project's list, supervisors every project."""

from __future__ import annotations

import pytest

from calls.callbacks import selectors
from calls.models import Callback
from tests.factories import make_agent, make_contact, make_missed_call, make_project, make_user

pytestmark = pytest.mark.django_db


def _callback(project, number="+40722123456") -> Callback:
    call = make_missed_call(project, number)
    contact = make_contact(project, "Maria Ionescu", number) if number.endswith("456") else None
    return Callback.objects.create(
        project=project, number=number, missed_call=call, contact=contact
    )


@pytest.fixture
def two_projects(db):
    ours, theirs = make_project(), make_project()
    return ours, theirs, _callback(ours), _callback(theirs, "+40733000111")


def test_an_agent_sees_only_the_callbacks_of_their_project(client, two_projects):
    ours, _theirs, mine, _other = two_projects
    agent = make_agent(ours)
    client.force_login(agent.user)
    page = client.get("/callbacks/").content.decode()
    assert "Maria Ionescu" in page
    assert "0722 123 456" in page  # the number for people, in the project's format
    assert "0733 000 111" not in page
    assert 'hx-post="/calls/start/"' in page  # one click calls back
    assert '"number": "+40722123456"' in page
    assert f'"contact": "{mine.contact_id}"' in page
    nav_badge = '<span class="count" title="Open callbacks">1</span>'
    assert nav_badge in page


def test_an_agent_cannot_dismiss_another_projects_callback(client, two_projects):
    ours, _theirs, _mine, other = two_projects
    client.force_login(make_agent(ours).user)
    assert client.post(f"/callbacks/{other.pk}/dismiss/").status_code == 404
    assert Callback.objects.get(pk=other.pk).is_open


def test_an_agent_dismisses_a_callback_and_the_list_no_longer_shows_it(client, two_projects):
    ours, _theirs, mine, _other = two_projects
    agent = make_agent(ours)
    client.force_login(agent.user)
    response = client.post(f"/callbacks/{mine.pk}/dismiss/")
    assert "Maria Ionescu" not in response.content.decode()
    assert "No callbacks waiting." in response.content.decode()
    mine.refresh_from_db()
    assert mine.closed_reason == "dismissed"


def test_a_supervisor_sees_every_project_and_can_filter(client, two_projects):
    ours, theirs, _mine, _other = two_projects
    client.force_login(make_user("supervisor"))
    page = client.get("/callbacks/").content.decode()
    assert ours.name in page and theirs.name in page
    assert "0733 000 111" in page and "Maria Ionescu" in page
    assert "/calls/start/" not in page  # no agent line to call from
    filtered = client.get(f"/callbacks/?project={theirs.pk}").content.decode()
    assert "0733 000 111" in filtered and "Maria Ionescu" not in filtered


def test_people_without_a_role_get_no_callbacks_page(client, two_projects):
    client.force_login(make_user())
    assert client.get("/callbacks/").status_code == 404
    assert "/callbacks/" not in client.get("/").content.decode()


def test_the_dialer_fragment_lists_open_callbacks_compactly(client, two_projects):
    ours, *_ = two_projects
    agent = make_agent(ours)
    context = selectors.dialer_context(agent)
    assert context["compact"] is True
    assert [cb.number for cb in context["callback_list"].callbacks] == ["+40722123456"]
    client.force_login(agent.user)
    fragment = client.get("/callbacks/list/?compact=1").content.decode()
    assert 'id="callback-list"' in fragment and "Maria Ionescu" in fragment
