"""Events the PBX sends us move calls forward once, whatever order they arrive in."""

import json
import time
from urllib.parse import urlencode

import pytest

from calls.models import Call, CallEvent, WebhookRequest
from calls.pbx.generic import sign
from tests.events import apply_queued
from tests.factories import make_account, make_agent, make_project
from tests.generic_events import generic, hook, originating_call, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(agent):
    return originating_call(agent)


def test_a_whole_call_walks_to_completed_with_its_talk_time(client, call):
    project = call.project
    for n, (event, leg, status) in enumerate(
        [
            ("dial-in", "agent", None),
            ("answer", "agent", None),
            ("dial-out", "customer", None),
            ("answer", "customer", None),
            ("hangup", "", "completed"),
        ]
    ):
        assert post(client, project, generic(call, event, leg, status, n=n * 10)).status_code == 200
    call.refresh_from_db()
    assert call.status == "completed" and call.duration == 10 and call.vendor_call_id == "sbx-1"


def test_a_repeated_event_is_stored_once_and_applied_once(client, call):
    body = generic(call, "dial-in", "agent")
    first, second = post(client, call.project, body), post(client, call.project, body)
    assert first.status_code == second.status_code == 200
    assert [e.applied for e in WebhookRequest.objects.order_by("id")] == [1, 0]
    assert CallEvent.objects.count() == 1


def test_the_pbx_is_answered_once_the_request_is_stored_and_events_apply_after(client, call):
    response = client.post(
        hook(call.project),
        json.dumps(generic(call, "dial-in", "agent")),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"queued": True}
    assert WebhookRequest.objects.get().verdict == "queued"
    call.refresh_from_db()
    assert call.status == "originating"  # nothing applied yet: the applier's job
    [entry] = apply_queued()
    call.refresh_from_db()
    assert (entry.verdict, entry.events, entry.applied) == ("accepted", 1, 1)
    assert entry.applied_at >= entry.received_at and call.status == "agent_ringing"


def test_a_late_event_never_moves_a_call_backwards(client, call):
    post(client, call.project, generic(call, "hangup", "", "busy", n=9, reason="User busy"))
    post(client, call.project, generic(call, "dial-in", "agent", n=1))
    call.refresh_from_db()
    assert call.status == "busy" and call.failure_reason == "User busy"


def test_a_wrong_token_is_403_and_nothing_is_written(client, call):
    response = client.post(
        f"/hooks/while1/{'x' * 43}/",
        json.dumps(generic(call, "dial-in")),
        content_type="application/json",
    )
    assert response.status_code == 403 and CallEvent.objects.count() == 0
    other_vendor = f"/hooks/telphin/{call.project.webhook_token}/"
    assert client.post(other_vendor, {}).status_code == 403


def test_a_signed_project_refuses_unsigned_forged_and_replayed_events(client, call):
    project = call.project
    project.settings = {**project.settings, "webhook_signing_secret": "s3cret"}
    project.save()
    body = json.dumps(generic(call, "dial-in", "agent")).encode()
    assert post(client, project, json.loads(body)).status_code == 403
    forged = sign("wrong", body, int(time.time()))
    stale = sign("s3cret", body, int(time.time()) - 3600)
    good = sign("s3cret", body, int(time.time()))
    for header, expected in ((forged, 403), (stale, 403), (good, 200)):
        response = client.post(
            hook(project), body, content_type="application/json", HTTP_X_PBX_SIGNATURE=header
        )
        assert response.status_code == expected
    apply_queued()
    assert CallEvent.objects.count() == 1


def test_an_unknown_shape_is_kept_and_answered_200(client, call):
    response = client.post(hook(call.project), b"<xml>what</xml>", content_type="text/xml")
    assert response.status_code == 200
    apply_queued()
    assert CallEvent.objects.get().kind == "unknown"


def test_telphin_events_arrive_form_encoded_in_a_get_query(client):
    project = make_project(make_account("telphin", client_id="c", client_secret="s"))
    agent = make_agent(project, extension="101")
    call = Call.objects.create(
        project=project,
        agent=agent,
        direction="outbound",
        remote_number="+79817654321",
        status="agent_ringing",
        vendor_call_id="b5187f38a9cc43f2ba068bce983a513e",  # the callback's call_id
    )
    fields = {  # Telphin's live shapes: CallID as the callback named it, CallAPIID dashed
        "EventType": "answer",
        "CallID": "b5187f38a9cc43f2ba068bce983a513e",
        "SubCallID": "175-b5187f38a9cc43f2ba068bce983a513e",
        "CallAPIID": "3584709739-b5187f38-a9cc-43f2-ba06-8bce983a513e",
        "CallerExtension": "101@sip",
        "CalledNumber": "+79817654321",
        "CallFlow": "out",
        "CallStatus": "ANSWER",
        "EventTime": "1796205600000000",
    }
    assert client.get(hook(project) + "?" + urlencode(fields)).status_code == 200
    apply_queued()
    call.refresh_from_db()
    assert call.status == "answered"


def test_an_inbound_call_we_did_not_originate_is_created(client, agent):
    body = {
        "event_id": "in-1",
        "call_id": "pbx-9",
        "event": "dial-in",
        "direction": "inbound",
        "from": "0744 555 666",
        "to": "+40212345678",
        "extension": agent.extension,
    }
    assert post(client, agent.project, body).status_code == 200
    call = Call.objects.get(vendor_call_id="pbx-9")
    assert (call.direction, call.status, call.agent, call.remote_number) == (
        "inbound",
        "ringing",
        agent,
        "+40744555666",
    )


def test_every_request_is_logged_with_secrets_masked(client, call):
    project = call.project
    post(client, project, generic(call, "dial-in", "agent"), HTTP_AUTHORIZATION="Bearer abc123")
    client.post(
        f"/hooks/while1/{project.webhook_token}/?token=zzz",
        b"{bad",
        content_type="application/json",
    )
    apply_queued()
    entries = list(WebhookRequest.objects.order_by("id"))
    assert [(e.verdict, e.events, e.applied) for e in entries] == [
        ("accepted", 1, 1),
        ("accepted", 1, 1),
    ]  # the unreadable body is kept as unknown
    assert entries[0].headers["authorization"] == "***"
    assert "zzz" not in entries[1].query and "abc123" not in str(entries[0].headers)


def test_refused_requests_are_logged_too_and_an_ip_allowlist_applies(client, call):
    project = call.project
    project.settings = {**project.settings, "webhook_allowed_ips": ["10.1.2.0/24"]}
    project.save()
    assert post(client, project, generic(call, "dial-in", "agent")).status_code == 403
    entry = WebhookRequest.objects.get()
    assert entry.verdict == "refused" and "allowlist" in entry.error
    ok = post(client, project, generic(call, "dial-in", "agent"), REMOTE_ADDR="10.1.2.9")
    assert ok.status_code == 200


def test_a_failed_request_can_be_replayed_once_the_cause_is_fixed(client, call):
    from calls.events.applier import replay

    body = generic(call, "dial-in", "agent")
    post(client, call.project, body)
    entry = WebhookRequest.objects.get()
    CallEvent.objects.all().delete()  # as if processing had failed the first time
    Call.objects.filter(pk=call.pk).update(status="originating")
    again = replay(entry)
    assert (again.verdict, again.applied) == ("accepted", 1)
    assert replay(entry).applied == 0  # a second replay applies nothing twice
    call.refresh_from_db()
    assert call.status == "agent_ringing"


def test_admins_see_the_log_and_replay_from_it(client, call):
    from tests.factories import make_user

    post(client, call.project, generic(call, "dial-in", "agent"))
    client.force_login(make_user("admin", is_staff=True))
    page = client.get("/admin/calls/webhookrequest/")
    assert page.status_code == 200 and "Replay" in page.content.decode()


def test_a_new_inbound_call_is_published_to_the_live_pages(
    client, agent, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr("calls.events.call_moves.live.publish", published.append)
    body = {
        "event_id": "in-2",
        "call_id": "pbx-10",
        "event": "dial-in",
        "direction": "inbound",
        "from": "0744 555 666",
        "extension": agent.extension,
    }
    with django_capture_on_commit_callbacks(execute=True):
        post(client, agent.project, body)
    assert [c.vendor_call_id for c in published] == ["pbx-10"]  # the agent's page rings
