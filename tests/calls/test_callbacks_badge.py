"""The menu's Callbacks count: the same number as the list, and asked again live."""

from __future__ import annotations

import pytest
from django.test import Client

from calls import roles
from calls.models import Callback
from tests.factories import make_agent, make_missed_call, make_project, make_user

pytestmark = pytest.mark.django_db


def missed(project, number: str) -> Callback:
    call = make_missed_call(project, number)
    return Callback.objects.create(project=project, number=number, missed_call=call)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_count_follows_a_dismiss_and_a_new_missed_call(project):
    agent = make_agent(project)
    client = logged_in(agent.user)
    first = missed(project, "+40722000001")
    assert client.get("/callbacks/count/").json() == {"open": 1}
    client.post(f"/callbacks/{first.pk}/dismiss/")
    assert client.get("/callbacks/count/").json() == {"open": 0}
    page = client.get("/callbacks/").content.decode()
    assert "No callbacks waiting." in page
    assert 'class="count"' not in page.split("</nav>")[0]  # the list is empty, so is the badge
    missed(project, "+40722000002")
    assert client.get("/callbacks/count/").json() == {"open": 1}


def test_an_agent_who_is_also_supervisor_counts_what_their_list_shows(project):
    agent = make_agent(project)
    agent.user.groups.add(*roles_groups(roles.SUPERVISOR))
    missed(project, "+40722000001")
    missed(make_project(), "+40733000001")
    client = logged_in(agent.user)
    page = client.get("/callbacks/").content.decode()
    assert page.count("data-callback=") == 2
    assert client.get("/callbacks/count/").json() == {"open": 2}


def roles_groups(*names: str):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name__in=names)


def test_the_menu_asks_for_the_count_live(project):
    agent = make_agent(project)
    page = logged_in(agent.user).get("/history/").content.decode()
    assert 'id="nav-callbacks" data-count-url="/callbacks/count/"' in page
    assert "js/callbacks_badge.js" in page


def test_a_user_without_a_callbacks_page_has_no_count(db):
    assert logged_in(make_user()).get("/callbacks/count/").status_code == 404


def test_a_supervisor_counts_every_project(db):
    missed(make_project(), "+40722000001")
    missed(make_project(), "+40733000001")
    client = logged_in(make_user(roles.SUPERVISOR))
    assert client.get("/callbacks/count/").json() == {"open": 2}
