"""Bad input is refused where it enters, with the bad part named; never a 500."""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from calls.admin_pages.forms import ProjectForm
from calls.models import Call, CallEvent, WebhookRequest
from calls.pbx.allowlist import BadAllowlist, parse_ip_allowlist
from tests.events import apply_queued
from tests.factories import make_agent, make_project, make_user
from tests.generic_events import generic, hook, originating_call, post

pytestmark = pytest.mark.django_db


# -- IP allowlists -------------------------------------------------------------------


def test_one_reading_of_allowlists_lists_or_comma_separated():
    assert [str(n) for n in parse_ip_allowlist("192.0.2.0/24, 198.51.100.7")] == [
        "192.0.2.0/24",
        "198.51.100.7/32",
    ]
    assert parse_ip_allowlist(None) == parse_ip_allowlist("") == []
    with pytest.raises(BadAllowlist, match=r"'10\.0\.0\.300'"):
        parse_ip_allowlist(["10.0.0.0/8", "10.0.0.300"])
    with pytest.raises(BadAllowlist):
        parse_ip_allowlist({"not": "a list"})


def test_the_api_refuses_a_bad_allowlist_naming_the_entry(admin_api):
    project = make_project()
    response = admin_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"settings": {"project_id": 1, "webhook_allowed_ips": ["10.1.2.0/24", "nonsense"]}},
        format="json",
    )
    assert response.status_code == 400
    assert "nonsense" in response.json()["detail"]


def test_the_api_stores_a_comma_separated_allowlist_as_a_list(admin_api):
    project = make_project()
    response = admin_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"settings": {"project_id": 1, "webhook_allowed_ips": "10.1.2.0/24, 10.9.9.9"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.settings["webhook_allowed_ips"] == ["10.1.2.0/24", "10.9.9.9/32"]


def test_the_admin_refuses_a_bad_allowlist_naming_the_entry():
    project = make_project()
    form = ProjectForm(
        data={
            "name": project.name,
            "pbx_account": project.pbx_account_id,
            "region": "RO",
            "settings": json.dumps({"webhook_allowed_ips": ["1.2.3.4", "nope"]}),
        },
        instance=project,
    )
    assert not form.is_valid()
    assert "nope" in str(form.errors["settings"])


@pytest.mark.parametrize("stored", [["10.1.2.0/24", "garbage"], "10.1.2.0/24,,x", 42])
def test_a_bad_stored_allowlist_refuses_and_logs_never_a_500(client, stored, caplog):
    agent = make_agent()
    call = originating_call(agent)
    project = agent.project
    project.settings = {**project.settings, "webhook_allowed_ips": stored}
    project.save()
    with caplog.at_level(logging.WARNING, logger="calls.webhooks"):
        response = post(client, project, generic(call, "dial-in", "agent"), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    entry = WebhookRequest.objects.get()
    assert entry.verdict == "refused" and "allowlist is unreadable" in entry.error
    assert "refused" in caplog.text


# -- ids, numbers, settings ------------------------------------------------------------


def test_an_agent_id_too_large_for_the_database_is_a_400():
    supervisor = make_user("supervisor")
    api = APIClient()
    api.force_authenticate(supervisor)
    response = api.get("/api/v1/calls/", {"agent": "9" * 30})
    assert response.status_code == 400 and "agent" in response.json()["detail"]
    assert api.get("/api/v1/calls/", {"agent": "²"}).status_code == 400


def test_a_contact_id_too_large_is_a_400(originate_queue):
    agent = make_agent()
    api = APIClient()
    api.force_authenticate(agent.user)
    response = api.post(
        "/api/v1/calls/", {"number": "0722123456", "contact": 10**30}, format="json"
    )
    assert response.status_code == 400 and "contact" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/contacts/", "/api/v1/agents/"])
def test_a_huge_id_in_an_api_url_is_a_404(admin_api, path):
    assert admin_api.get(f"{path}{'9' * 30}/").status_code == 404


@pytest.mark.parametrize("settings", [[1, 2], "text", 5])
def test_project_settings_must_be_an_object(admin_api, settings):
    account = make_project().pbx_account
    response = admin_api.post(
        "/api/v1/projects/",
        {"name": "P", "pbx_account": account.pk, "region": "RO", "settings": settings},
        format="json",
    )
    assert response.status_code == 400
    assert "settings" in response.json()["detail"]


# -- users through Django's validators --------------------------------------------------


def _agent_body(project, **changes) -> dict:
    return {
        "username": "maria",
        "password": "a-long-and-uncommon-pass-9",
        "project": project.pk,
        "extension": "201",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "x" * 10_000}, "username"),
        ({"username": "<b>x</b>"}, "username"),
        ({"password": "password"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "maria"}, "password"),
    ],
)
def test_agent_logins_go_through_djangos_validators(admin_api, changes, field):
    project = make_project()
    response = admin_api.post("/api/v1/agents/", _agent_body(project, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not User.objects.filter(username__in=["maria", changes.get("username")]).exists()


def test_a_good_agent_login_is_created(admin_api):
    response = admin_api.post("/api/v1/agents/", _agent_body(make_project()), format="json")
    assert response.status_code == 201, response.json()


def test_patching_the_username_changes_it_or_says_why_not(admin_api):
    agent = make_agent()
    other = make_user()
    url = f"/api/v1/agents/{agent.pk}/"
    assert admin_api.patch(url, {"username": "renamed"}, format="json").status_code == 200
    agent.user.refresh_from_db()
    assert agent.user.username == "renamed"
    taken = admin_api.patch(url, {"username": other.username}, format="json")
    assert taken.status_code == 400 and "taken" in taken.json()["detail"]
    weak = admin_api.patch(url, {"password": "password"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json()["errors"]


# -- what the PBX sends ---------------------------------------------------------------


@pytest.mark.parametrize("caller", ["0744\x00 555\x1b 666", "Anonymous\x00\x07\x9b"])
def test_control_characters_never_reach_a_call_and_stay_in_the_log(client, caller):
    agent = make_agent()
    body = {
        "event_id": "in-1",
        "call_id": "pbx-9",
        "event": "dial-in",
        "direction": "inbound",
        "from": caller,
        "to": "+40212345678",
        "extension": agent.extension,
    }
    assert post(client, agent.project, body).status_code == 200
    call = Call.objects.get(vendor_call_id="pbx-9")
    assert call.remote_number in ("+40744555666", "Anonymous")
    stored = json.dumps(CallEvent.objects.get().payload)
    assert "\\u0000" not in stored  # PostgreSQL stores no NUL, even in JSON
    assert "\\u0000" in WebhookRequest.objects.get().body  # the log keeps what came


def test_cleaned_event_takes_control_characters_out_of_every_text_field():
    from calls.events.reading import cleaned_event
    from calls.pbx.base import EventKind, NormalizedEvent

    event = NormalizedEvent(
        kind=EventKind.UNKNOWN,
        dedupe_key="k\x00",
        from_number="+40722\x00123\x1b456",
        reason="busy\r\n\x85",
        raw={"from": "+40\x00722", "nested": [{"x": "\x00"}]},
    )
    clean = cleaned_event(event)
    assert clean.from_number == "+40722123456" and clean.reason == "busy"
    assert clean.dedupe_key == "k"
    assert clean.raw == {"from": "+40722", "nested": [{"x": ""}]}


def test_a_deeply_nested_body_fails_alone_with_a_clear_reason(client):
    agent = make_agent()
    call = originating_call(agent)
    deep = ("[" * 5000 + "]" * 5000).encode()
    response = client.post(hook(agent.project), deep, content_type="application/json")
    assert response.status_code == 200
    good = generic(call, "dial-in", "agent")
    client.post(hook(agent.project), json.dumps(good), content_type="application/json")
    entries = apply_queued()
    assert entries[0].verdict == "failed" and "nests deeper" in entries[0].error
    assert "Recursion" not in entries[0].error
    assert entries[1].verdict == "accepted"


def test_a_nested_json_string_is_no_nesting():
    from calls.events.reading import nesting_depth

    assert nesting_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert nesting_depth(b'{"a": [{"b": [1]}]}') == 4


def test_telphins_own_check_reads_allowlists_the_same_way():
    from calls.pbx.telphin.events import ip_allowed

    assert ip_allowed("192.0.2.9", "192.0.2.0/24, 198.51.100.7")
    assert not ip_allowed("203.0.113.1", ["192.0.2.0/24"])
    assert not ip_allowed("192.0.2.9", ["192.0.2.0/24", "garbage"])  # unreadable: no one


@pytest.mark.parametrize(
    "url",
    [
        "/history/?contact=" + "9" * 30,
        "/history/?agent=" + "9" * 30,
        "/history/export.csv?agent=" + "9" * 30,
        "/stats/?project=" + "9" * 30,
        "/callbacks/?project=" + "9" * 30,
        "/contacts/import/export.csv?project=" + "9" * 30,
        "/contacts/" + "9" * 30 + "/",
    ],
)
def test_huge_numbers_in_the_pages_are_never_a_500(url):
    from django.test import Client

    client = Client()
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    assert client.get(url).status_code < 500
