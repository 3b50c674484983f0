"""A call's page: its fields, the PBX's timeline, its outcome and its recording."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from calls import roles
from calls.history.services import OutcomeRefused, set_outcome
from calls.models import AuditEntry, Call, CallEvent, CallStatus, Disposition, WebhookRequest
from tests.calls.history_factories import BASE, make_call
from tests.factories import make_agent, make_contact, make_project, make_user
from tests.local_server import serving

pytestmark = pytest.mark.django_db

AUDIO = bytes(range(256)) * 1200  # ~300 KB: several chunks


@pytest.fixture
def agent(db):
    return make_agent()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_agent_sees_their_calls_page_with_its_fields(agent):
    contact = make_contact(agent.project, "Ion Client")
    call = make_call(
        agent,
        number="+40722123456",
        contact=contact,
        duration=65,
        status=CallStatus.BUSY,
        failure_reason="The customer's line is busy.",
    )
    page = logged_in(agent.user).get(f"/history/{call.pk}/").content.decode()
    for text in (
        "Ion Client",
        "0722 123 456",
        "Outbound",
        "Busy",
        "1:05",
        "The customer&#x27;s line is busy.",
        agent.project.name,
    ):
        assert text in page, text


def test_nobody_else_but_supervisors_sees_an_agents_call(agent):
    call = make_call(agent)
    colleague = make_agent(agent.project)
    assert logged_in(colleague.user).get(f"/history/{call.pk}/").status_code == 404
    assert logged_in(make_user()).get(f"/history/{call.pk}/").status_code == 404
    assert logged_in(make_user(roles.SUPERVISOR)).get(f"/history/{call.pk}/").status_code == 200


def test_the_timeline_lists_the_pbx_events_oldest_first_with_secrets_masked(agent):
    call = make_call(agent)
    for kind, payload in [
        ("answer", {"state": "ANSWER", "api_token": "tok-123", "signature": "abc"}),
        ("hangup", {"cause": 16, "record": "https://u:pw@rec.example.com/f.mp3?key=s3cr3t"}),
    ]:
        CallEvent.objects.create(
            project=call.project,
            call=call,
            vendor="while1",
            dedupe_key=f"{call.pk}-{kind}",
            kind=kind,
            payload=payload,
            occurred_at=BASE,
        )
    page = logged_in(agent.user).get(f"/history/{call.pk}/").content.decode()
    assert page.index(">answer<") < page.index(">hangup<")
    assert "ANSWER" in page and "cause" in page
    for secret in ("tok-123", "abc", "pw@", "s3cr3t", "f.mp3"):
        assert secret not in page, secret
    assert "https://rec.example.com/" in page


def test_the_webhook_log_is_for_administrators_only(agent):
    call = make_call(agent, vendor_call_id="vend-42")
    WebhookRequest.objects.create(
        project=call.project,
        vendor="while1",
        method="POST",
        body='{"call_id": "vend-42"}',
        verdict="accepted",
        events=1,
        applied=1,
    )
    WebhookRequest.objects.filter().update(received_at=BASE)
    Call.objects.filter(pk=call.pk).update(requested_at=BASE)
    admin = logged_in(make_user(roles.ADMIN)).get(f"/history/{call.pk}/").content.decode()
    supervisor = logged_in(make_user(roles.SUPERVISOR)).get(f"/history/{call.pk}/").content.decode()
    assert 'id="webhook-log"' in admin and "Accepted" in admin
    assert 'id="webhook-log"' not in supervisor


def test_the_agent_sets_the_outcome_and_a_note(agent):
    call = make_call(agent)
    sale = Disposition.objects.create(project=agent.project, name="Sale")
    client = logged_in(agent.user)
    page = client.get(f"/history/{call.pk}/").content.decode()
    assert "Sale" in page
    response = client.post(
        f"/history/{call.pk}/outcome/", {"disposition": sale.pk, "note": " Call back Monday "}
    )
    assert response.status_code == 302
    assert "Saved." in client.get(response["Location"]).content.decode()
    call.refresh_from_db()
    assert (call.disposition, call.note) == (sale, "Call back Monday")
    entry = AuditEntry.objects.get(action="call.outcome")
    assert entry.actor == agent.user and entry.object_id == str(call.pk)


def test_inactive_outcomes_are_not_offered(agent):
    call = make_call(agent)
    Disposition.objects.create(project=agent.project, name="Retired", is_active=False)
    assert "Retired" not in logged_in(agent.user).get(f"/history/{call.pk}/").content.decode()


def test_an_outcome_of_another_project_is_refused(agent):
    call = make_call(agent)
    foreign = Disposition.objects.create(project=make_project(), name="Foreign")
    response = logged_in(agent.user).post(
        f"/history/{call.pk}/outcome/", {"disposition": foreign.pk, "note": ""}
    )
    assert response.status_code == 400
    call.refresh_from_db()
    assert call.disposition is None
    with pytest.raises(OutcomeRefused, match="another project"):
        set_outcome(call=call, disposition=foreign, note="", by=agent.user)


def test_a_supervisor_may_set_the_outcome_a_colleague_may_not(agent):
    call = make_call(agent)
    colleague = make_agent(agent.project)
    assert (
        logged_in(colleague.user)
        .post(f"/history/{call.pk}/outcome/", {"note": "mine now"})
        .status_code
        == 404
    )
    with pytest.raises(OutcomeRefused):
        set_outcome(call=call, disposition=None, note="x", by=colleague.user)
    supervisor = make_user(roles.SUPERVISOR)
    assert (
        logged_in(supervisor).post(f"/history/{call.pk}/outcome/", {"note": "checked"}).status_code
        == 302
    )
    call.refresh_from_db()
    assert call.note == "checked"


def test_saving_an_outcome_never_writes_back_an_older_status(agent):
    call = make_call(agent, status=CallStatus.ANSWERED)
    Call.objects.filter(pk=call.pk).update(status=CallStatus.COMPLETED)  # the PBX's hangup
    set_outcome(call=call, disposition=None, note="ok", by=agent.user)
    assert Call.objects.get(pk=call.pk).status == CallStatus.COMPLETED


def test_a_too_long_note_is_explained(agent):
    call = make_call(agent)
    response = logged_in(agent.user).post(f"/history/{call.pk}/outcome/", {"note": "x" * 5000})
    assert response.status_code == 400
    assert "at most 4000 characters" in response.content.decode()


# --- recording: a real HTTP server on loopback plays the vendor ---------------------


class _Vendor(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/rec/ok"):
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(AUDIO)))
            self.end_headers()
            self.wfile.write(AUDIO)
            return
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def vendor() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _Vendor)) as server:
        yield f"http://user:s3cret@127.0.0.1:{server.server_address[1]}"


def test_the_recording_is_streamed_through_us_without_revealing_its_address(agent, vendor):
    call = make_call(agent, recording_url=f"{vendor}/rec/ok?token=abc")
    client = logged_in(agent.user)
    page = client.get(f"/history/{call.pk}/").content.decode()
    assert f'href="/history/{call.pk}/recording/"' in page
    assert "s3cret" not in page and "/rec/ok" not in page
    response = client.get(f"/history/{call.pk}/recording/")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == AUDIO
    assert "Location" not in response


def test_a_failing_vendor_is_a_502_with_a_sentence(agent, vendor):
    call = make_call(agent, recording_url=f"{vendor}/rec/broken?token=abc")
    response = logged_in(agent.user).get(f"/history/{call.pk}/recording/")
    assert response.status_code == 502
    body = response.content.decode()
    assert "did not hand over this recording" in body
    assert "s3cret" not in body and "127.0.0.1" not in body


def test_an_unreachable_vendor_is_a_502_too(agent):
    call = make_call(agent, recording_url="http://127.0.0.1:9/rec.mp3")
    assert logged_in(agent.user).get(f"/history/{call.pk}/recording/").status_code == 502


def test_only_permitted_people_get_the_recording(agent, vendor):
    call = make_call(agent, recording_url=f"{vendor}/rec/ok")
    colleague = make_agent(agent.project)
    assert logged_in(colleague.user).get(f"/history/{call.pk}/recording/").status_code == 404
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    assert supervisor.get(f"/history/{call.pk}/recording/").status_code == 200


def test_a_call_without_recording_has_no_link_and_no_file(agent):
    call = make_call(agent)
    client = logged_in(agent.user)
    assert "/recording/" not in client.get(f"/history/{call.pk}/").content.decode()
    assert client.get(f"/history/{call.pk}/recording/").status_code == 404


def test_admins_set_up_dispositions_per_project_in_django_admin(agent):
    Disposition.objects.create(project=agent.project, name="Sale")
    admin = make_user(roles.ADMIN, is_staff=True)
    page = logged_in(admin).get("/admin/calls/disposition/?q=Sale")
    assert page.status_code == 200
    assert "Sale" in page.content.decode()
