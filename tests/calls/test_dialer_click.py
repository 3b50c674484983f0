"""An agent's click on the dialer page: what it reads before the call is placed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Call, UserPreference

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("originate_queue")]


def tables_read(queries) -> list[str]:
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return [re.search(r'FROM "?(\w+)"?', sql).group(1) for sql in selects]


def test_a_click_reads_the_session_and_the_user_with_agent_and_language_once(client, agent):
    UserPreference.objects.create(user=agent.user, language="ro")
    client.force_login(agent.user)
    with CaptureQueriesContext(connection) as done:
        card = client.post("/calls/start/", {"number": "0722123456"}, headers={"hx-request": "1"})
    assert card.status_code == 200
    assert "În așteptare" in card.content.decode()  # the saved language, read with the user
    assert Call.objects.get().agent == agent
    # A typed number is looked up among the project's contact phones (one indexed read,
    # the contact joined) so the card, the history and the CSV name the contact.
    assert tables_read(done.captured_queries) == [
        "django_session",
        "auth_user",
        "contacts_contactphone",
    ]


def test_an_agent_without_a_saved_language_follows_the_browser(client, agent):
    client.force_login(agent.user)
    card = client.post(
        "/calls/start/", {"number": "0722123456"}, headers={"accept-language": "nl"}
    ).content.decode()
    assert "In de wachtrij" in card


def test_a_user_who_is_not_an_agent_cannot_click(client, agent):
    from tests.factories import make_user

    client.force_login(make_user())
    assert client.post("/calls/start/", {"number": "0722123456"}).status_code == 404
    assert not Call.objects.exists()


def test_an_agent_logs_in_with_the_password_and_not_with_a_wrong_one(client, agent):
    agent.user.set_password("right horse battery")
    agent.user.save()
    wrong = client.post("/login/", {"username": agent.user.username, "password": "wrong"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    page = client.post(
        "/login/", {"username": agent.user.username, "password": "right horse battery"}, follow=True
    )
    assert page.status_code == 200 and agent.extension in page.content.decode()
