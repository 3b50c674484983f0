"""What the fuzz tests found, each pinned as a plain test that failed before its fix."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from calls.models import Call, CallEvent, WebhookRequest
from tests.events import apply_queued
from tests.factories import make_account, make_contact, make_project, make_user
from tests.generic_events import generic, hook, originating_call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("odd", [[], {}, ["outbound"], {"a": 1}])
def test_a_generic_event_with_a_list_or_object_for_direction_or_status_is_still_applied(
    client, agent, odd
):
    call = originating_call(agent)
    body = generic(call, "hangup", status="busy", direction=odd)
    body2 = generic(call, "dial-in", "agent", n=1, status=odd)
    for sent in (body, body2):
        client.post(hook(call.project), json.dumps(sent), content_type="application/json")
    entries = apply_queued()
    assert [(e.verdict, e.error) for e in entries] == [("accepted", "")] * 2
    call.refresh_from_db()
    assert call.status == "busy"  # the first event's status still counts


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN"])
def test_a_non_finite_number_in_an_event_is_kept_as_text_not_refused_by_the_database(
    client, agent, number
):
    call = originating_call(agent)
    body = json.dumps(generic(call, "dial-in", "agent")).replace('"n": 0', "")
    body = body[:-1] + f', "billsec": {number}}}'  # Python's json reads these; JSON has none
    client.post(hook(call.project), body, content_type="application/json")
    [entry] = apply_queued()
    assert (entry.verdict, entry.applied) == ("accepted", 1), entry.error
    assert CallEvent.objects.get().payload["billsec"] == number
    assert WebhookRequest.objects.get().body.endswith(f"{number}}}")


def test_a_call_id_longer_than_its_column_is_cut_to_fit_it(client, agent):
    """SQLite stores any length; PostgreSQL refused the request (the event was lost)."""
    width = Call._meta.get_field("vendor_call_id").max_length
    body = {
        "event_id": "in-long",
        "call_id": "c" * (width + 50),
        "event": "dial-in",
        "direction": "inbound",
        "from": "0744 555 666",
        "extension": agent.extension,
    }
    client.post(hook(agent.project), json.dumps(body), content_type="application/json")
    [entry] = apply_queued()
    assert (entry.verdict, entry.applied) == ("accepted", 1)
    assert Call.objects.get(direction="inbound").vendor_call_id == "c" * width


@pytest.mark.parametrize("template", ["SIP/{ext}", "SIP/{0}", "SIP/{extension", "{extension.x}"])
def test_a_broken_direct_line_format_routes_the_caller_normally_instead_of_a_500(
    client, agent, template
):
    project = agent.project
    project.settings = {**project.settings, "direct_line_format": template}
    project.save()
    contact = make_contact(project, "Ion Popescu", "+40722123456")
    contact.owner = agent
    contact.save()
    response = client.get(f"/lookup/{project.lookup_token}/", {"telephone": "0722123456"})
    assert response.status_code == 200
    assert response.json()["id"] == contact.pk and response.json()["direct_line"] is None


def while1_get(client, project, **fields: str):
    client.get(hook(project) + "?" + urlencode(fields))
    return apply_queued()


@pytest.mark.parametrize("billsec", ["9" * 40, "-24"])
def test_a_talk_time_no_call_can_have_is_ignored_not_a_failed_request(client, agent, billsec):
    """A 40-digit billsec overflowed the duration column: the hangup was lost."""
    call = originating_call(agent)
    call.vendor_call_id = "1234567891.15"
    call.save()
    [entry] = while1_get(
        client,
        agent.project,
        event="outgoing_end",
        direction="OUT",
        agent=agent.extension,
        telephone="0722123456",
        uniqueid="1234567891.15",
        disposition="ANSWERED",
        billsec=billsec,
    )
    assert (entry.verdict, entry.applied) == ("accepted", 1), entry.error
    call.refresh_from_db()
    assert call.status == "completed" and call.duration in (None, 0)


@pytest.mark.parametrize("contact_id", ["²", "٣", "9" * 30])
def test_an_odd_echoed_contact_id_is_ignored_and_the_number_finds_the_contact(
    client, agent, contact_id
):
    """int('²') raised ValueError after '²'.isdigit(): the inbound call was lost."""
    contact = make_contact(agent.project, "Ion Popescu", "+40700000000")
    [entry] = while1_get(
        client,
        agent.project,
        event="dial_answer",
        direction="IN",
        agent=agent.extension,
        telephone="0700000000",
        contact_id=contact_id,
        uniqueid="1234567890.14",
    )
    assert (entry.verdict, entry.applied) == ("accepted", 1), entry.error
    assert Call.objects.get(direction="inbound").contact_id == contact.pk


def test_a_raw_nul_byte_in_a_body_is_logged_as_a_replacement_character(client, agent):
    """PostgreSQL stores no NUL in text: the log's INSERT failed and the PBX got a 503,
    then sent the same request again, forever."""
    body = b'{"event_id": "e\x00", "event": "dial-in", "leg": "agent"}'
    response = client.post(hook(agent.project), body, content_type="application/json")
    assert response.status_code == 200
    entry = WebhookRequest.objects.get()
    assert "\x00" not in entry.body and "\ufffd" in entry.body


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_event_time_at_the_end_of_the_calendar_is_taken_as_unknown(client, agent, moment):
    """Converting it to UTC overflowed: the request failed and the call never moved."""
    call = originating_call(agent)
    body = generic(call, "dial-in", "agent", timestamp=moment)
    client.post(hook(call.project), json.dumps(body), content_type="application/json")
    [entry] = apply_queued()
    assert (entry.verdict, entry.applied) == ("accepted", 1), entry.error
    call.refresh_from_db()
    assert call.status == "agent_ringing"


def test_a_stream_message_with_a_raw_nul_is_kept_without_it():
    """A text message with NUL: PostgreSQL refused the log row and the stream reconnected."""
    from calls.pbx.voipcenter.listener import store_notify

    project = make_project(make_account("voipcenter", api_id="1", api_key="k", ws_user="ws"))
    entry = store_notify(project.pbx_account, 'not json \x00 "callid": "x"')
    assert "\x00" not in entry.body and "\ufffd" in entry.body


@pytest.mark.parametrize("token", ["\x00", "abc\x00def"])
def test_a_token_with_a_nul_is_refused_without_asking_the_database(
    client, project, django_assert_num_queries, token
):
    """PostgreSQL refuses a NUL in a query's parameter: /lookup/?token=%00 was a 500."""
    with django_assert_num_queries(0):
        assert client.get("/lookup/", {"token": token, "telephone": "1"}).status_code == 403
    with django_assert_num_queries(0):
        response = client.post(f"/hooks/while1/{token}/", b"{}", content_type="application/json")
    assert response.status_code == 403


# -- the API ----------------------------------------------------------------------------


@pytest.fixture
def admin_api():
    from rest_framework.test import APIClient

    from calls.api.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + issue_token(make_user("admin")))
    return api


def forged_cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize("position", ["garbage", "2026-13-45", "\x00", "9" * 30])
@pytest.mark.parametrize("url", ["/api/v1/calls/", "/api/v1/contacts/", "/api/v1/agents/"])
def test_a_forged_cursor_is_refused_like_an_unreadable_one(admin_api, agent, url, position):
    """Base64 of any position was decoded and put in the query: a 500."""
    response = admin_api.get(url, {"cursor": forged_cursor(position)})
    assert response.status_code == 404 and response.json()["detail"] == "Invalid cursor"


def test_the_cursors_we_hand_out_still_page_through_everything(admin_api, agent):
    for _ in range(51):
        Call.objects.create(
            project=agent.project, agent=agent, remote_number="+40722123456", status="completed"
        )
    first = admin_api.get("/api/v1/calls/").json()
    second = admin_api.get(first["next"]).json()
    assert len(first["results"]) + len(second["results"]) == 51
    assert admin_api.get(second["previous"]).json()["results"] == first["results"]


def test_project_settings_with_a_nul_are_refused(admin_api, project):
    """PostgreSQL stores no NUL in JSON: saving them was a 500 there."""
    for settings in ({"project_id": 1, "note": "a\x00b"}, {"project_id": 1, "a\x00": 1}):
        response = admin_api.patch(
            f"/api/v1/projects/{project.pk}/", {"settings": settings}, format="json"
        )
        assert response.status_code == 400 and "settings" in response.json()["errors"]


def test_an_agent_who_never_changed_availability_reads_since_null_as_the_schema_says(agent):
    from rest_framework.test import APIClient

    from calls.api.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + issue_token(agent.user))
    assert api.get("/api/v1/me/availability/").json()["since"] is None
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Availability"]["properties"]["since"]["nullable"]
