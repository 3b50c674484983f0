"""Issue 17: what a new user met outside the call card — links, menus, landing pages,
error pages and the log lines a 403 leaves."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

from calls import roles
from calls.events.caller_lookup import caller_data
from tests.calls.history_factories import make_call
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contact_card_link_is_the_people_page_not_the_api(agent):
    contact = make_contact(agent.project, "Ion Popescu", "+40722123456")
    assert reverse("contact-detail", args=[contact.pk]) == f"/contacts/{contact.pk}/"
    assert reverse("api-contact-detail", args=[contact.pk]) == f"/api/v1/contacts/{contact.pk}/"
    page = logged_in(agent.user).get(f"/contacts/{contact.pk}/")
    assert page.status_code == 200 and "Ion Popescu" in page.content.decode()


def test_the_history_detail_links_the_contact_card(agent):
    contact = make_contact(agent.project, "Ion Popescu", "+40722123456")
    call = make_call(agent, number="+40722123456", contact=contact)
    page = logged_in(agent.user).get(f"/history/{call.pk}/").content.decode()
    assert f'href="/contacts/{contact.pk}/"' in page
    assert "/api/" not in page.split("<main>")[1]


@override_settings(PUBLIC_BASE_URL="https://portal.example.com")
def test_the_caller_lookup_backend_link_opens_the_contact_card(project):
    from calls.events import caller_lookup

    caller_lookup._contact_page.cache_clear()
    contact = make_contact(project, "Ion Popescu", "+40722123456")
    data = caller_data(project, "0722123456")
    assert data["backend_link"] == f"https://portal.example.com/contacts/{contact.pk}/"


def menu(client: Client, path: str = "/history/") -> str:
    return client.get(path).content.decode().split("<nav>")[1].split("</nav>")[0]


def test_an_agent_sees_the_dialer_but_no_api_or_supervisor_links(agent):
    nav = menu(logged_in(agent.user))
    assert "Dialer" in nav and "History" in nav and "Callbacks" in nav
    assert "/api/" not in nav and "Live board" not in nav and "Administration" not in nav


def test_a_supervisor_lands_on_the_live_board_with_no_dialer_in_the_menu(db):
    client = logged_in(make_user(roles.SUPERVISOR))
    landing = client.get("/")
    assert landing.status_code == 302 and landing["Location"] == reverse("board")
    nav = menu(client)
    assert "Dialer" not in nav and "/api/" not in nav
    assert "Live board" in nav and "Statistics" in nav and "Callbacks" in nav


def test_an_admin_lands_on_the_live_board_and_sees_the_api_and_administration(db):
    client = logged_in(make_user(roles.ADMIN))
    landing = client.get("/")
    assert landing.status_code == 302 and landing["Location"] == reverse("board")
    nav = menu(client)
    assert "Dialer" not in nav
    assert "/api/docs/" in nav and "Administration" in nav and "Import contacts" in nav


def test_a_user_with_no_role_still_gets_the_explanation(db):
    page = logged_in(make_user()).get("/")
    assert page.status_code == 200 and "not an agent" in page.content.decode()


@override_settings(DEBUG=False)
def test_a_404_page_keeps_the_site_menu(agent):
    page = logged_in(agent.user).get("/no/such/page/")
    body = page.content.decode()
    assert page.status_code == 404
    assert 'class="topbar"' in body and "History" in body and "favicon" in body


@override_settings(DEBUG=False)
def test_a_403_page_keeps_the_site_menu(agent):
    page = logged_in(agent.user).get("/stats/")  # supervisors only
    body = page.content.decode()
    assert page.status_code == 403
    assert 'class="topbar"' in body and "History" in body


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        body = render_to_string("500.html")
    assert 'class="topbar"' in body and "favicon" in body


def test_a_permission_denied_logs_one_line_and_no_traceback(agent, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = logged_in(agent.user).get("/stats/")
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert len(forbidden) <= 1
    assert all(r.exc_info is None for r in forbidden)
    assert "Traceback" not in caplog.text


def test_the_admin_pages_link_the_favicon(db):
    page = logged_in(make_user(roles.ADMIN, is_staff=True, is_superuser=True)).get("/admin/")
    assert page.status_code == 200 and "favicon.svg" in page.content.decode()


def test_the_quiet_filter_keeps_real_errors_tracebacks():
    from pbxportal.quiet_forbidden import QuietPermissionDenied

    try:
        raise PermissionDenied
    except PermissionDenied:
        forbidden = logging.LogRecord("django.request", 30, "", 0, "Forbidden", (), sys.exc_info())
    try:
        raise ValueError("boom")
    except ValueError:
        error = logging.LogRecord("django.request", 40, "", 0, "Error", (), sys.exc_info())
    quiet = QuietPermissionDenied()
    assert quiet.filter(forbidden) and forbidden.exc_info is None
    assert quiet.filter(error) and error.exc_info is not None


def test_a_declined_call_reads_declined_not_busy(agent):
    from calls.models import CallStatus

    declined = make_call(
        agent,
        number="+40722000603",
        status=CallStatus.BUSY,
        failure_reason="The customer declined the call (603).",
    )
    busy = make_call(
        agent,
        number="+40722000486",
        status=CallStatus.BUSY,
        failure_reason="The customer's line is busy (486).",
    )
    client = logged_in(agent.user)
    listing = client.get("/history/").content.decode()
    assert '<span class="badge">Declined</span>' in listing
    assert '<span class="badge">Busy</span>' in listing
    detail = client.get(f"/history/{declined.pk}/").content.decode()
    assert '<span class="badge">Declined</span>' in detail
    assert '<span class="badge">Busy</span>' in client.get(f"/history/{busy.pk}/").content.decode()


@pytest.mark.parametrize(
    ("language", "declined", "stopped"),
    [
        ("ro", "Refuzat", "Oprit."),
        ("nl", "Geweigerd", "Gestopt."),
        ("ru", "Отклонён", "Остановлено."),
    ],
)
def test_the_new_words_and_the_pbx_sentences_are_translated(language, declined, stopped):
    from django.utils import translation

    from calls.pbx import words

    sentence = "%(vendor)s offers no way to read the agents' phone status."
    with translation.override(language):
        assert translation.gettext("Declined") == declined
        assert words.gettext("Stopped.") == stopped
        assert words.gettext(sentence) != sentence
        assert "%(vendor)s" in words.gettext(sentence)


def test_the_call_card_says_declined_for_a_603(agent):
    from calls.models import CallStatus

    make_call(
        agent,
        number="+40722000603",
        status=CallStatus.BUSY,
        failure_reason="The customer declined the call (603).",
    )
    card = logged_in(agent.user).get("/").content.decode().split('id="call-card"')[1]
    assert '<span class="badge">Declined</span>' in card.split("</section>")[0]
