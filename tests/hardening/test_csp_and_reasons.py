"""Pages run under a Content-Security-Policy; agents never see the PBX's address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from calls.models import Call
from calls.outbound.reasons import reason_for_agents
from tests.factories import make_agent, make_user

TEMPLATES = Path(settings.BASE_DIR) / "templates"
UNREACHABLE = (
    "Could not reach the While1 Voice PBX at http://10.20.30.40:8010; check its address "
    "and that it is running. The call was not placed."
)


@pytest.mark.django_db
def test_every_page_carries_the_policy():
    client = Client()
    client.force_login(make_agent().user)
    for url in ("/login/", "/", "/history/"):
        response = client.get(url, follow=True)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_the_api_docs_run_under_the_policy_with_their_script_as_a_file():
    client = Client()
    client.force_login(make_user("admin", is_staff=True))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # its start-up script comes from a URL
    [script] = re.findall(r'<script src="([^"]*\?script=?)"', html)
    assert client.get(script.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
    assert not re.search(r"\son[a-z]+=\"", text), "inline event handler"
    assert not re.search(r"\sstyle=\"", text), "inline style attribute"
    assert "<style" not in text


def test_agents_read_that_the_pbx_could_not_be_reached_without_its_address():
    shown = reason_for_agents(UNREACHABLE)
    assert "10.20.30.40" not in shown and "could not be reached" in shown
    assert reason_for_agents("Busy.") == "Busy."


@pytest.mark.django_db
def test_the_card_history_and_api_hide_the_address_from_agents_not_admins():
    agent = make_agent()
    call = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status="failed",
        failure_reason=UNREACHABLE,
    )
    as_agent = Client()
    as_agent.force_login(agent.user)
    page = as_agent.get(f"/history/{call.pk}/").content.decode()
    assert "10.20.30.40" not in page and "could not be reached" in page
    api = APIClient()
    api.force_authenticate(agent.user)
    assert "10.20.30.40" not in api.get(f"/api/v1/calls/{call.pk}/").json()["error"]

    admin = make_user("admin", is_staff=True, is_superuser=True)
    as_admin = Client()
    as_admin.force_login(admin)
    assert "10.20.30.40" in as_admin.get(f"/history/{call.pk}/").content.decode()
    api.force_authenticate(admin)
    assert "10.20.30.40" in api.get(f"/api/v1/calls/{call.pk}/").json()["error"]


@pytest.mark.django_db
def test_the_agents_call_card_hides_the_address():
    from django.template.loader import render_to_string

    from calls.dialer.card import call_card_context

    agent = make_agent()
    call = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status="failed",
        failure_reason=UNREACHABLE,
    )
    html = render_to_string("calls/_call_card.html", call_card_context(agent, call))
    assert "10.20.30.40" not in html and "could not be reached" in html
