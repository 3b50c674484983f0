"""While1 end to end over real sockets: a click goes to the sandbox PBX, the sandbox sends
While1's own GET events to our webhook view (live server), the applier moves the call.

Service/HTTP level: start_call and originate stand in for the click
and the Celery worker; apply_queued for the events process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from calls.models import Call, PbxAccount, WebhookRequest
from calls.models.work import Callback
from calls.outbound.originate import originate
from calls.outbound.start import start_call
from calls.pbx.base import Presence
from calls.pbx.for_project import adapter_for
from tests.events import apply_queued
from tests.factories import make_agent, make_contact, make_project
from tests.sandbox.harness import SandboxProcess, running_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TIMING = {
    "SANDBOX_AGENT_ANSWER_DELAY": "0.05",
    "SANDBOX_CUSTOMER_ANSWER_DELAY": "0.3",
    "SANDBOX_TALK_TIME": "1.6",
    "SANDBOX_RING_TIMEOUT": "0.3",
    "SANDBOX_DELIVERY_BACKOFF": "0.05",
}


@pytest.fixture(scope="module")
def pbx(tmp_path_factory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("while1-sandbox"), env=TIMING) as sandbox:
        yield sandbox


@pytest.fixture
def project(pbx, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    token = f"tok-{uuid.uuid4().hex[:8]}"
    account = PbxAccount(name=f"w1-{token}", vendor="while1", base_url=pbx.url + "/while1")
    account.set_credentials({"api_token": token, "api_key": "k&y ~1"})
    account.save()
    project = make_project(account, project_id="7")
    sandbox_account = pbx.put_account(
        {
            "dialect": "while1",
            "api_token": token,
            "api_key": "k&y ~1",
            "project_id": 7,
            "extensions": ["101", "102", "999"],
            "phones_offline": ["102"],
            "event_url": project.event_webhook_url,
            "lookup_url": project.caller_lookup_url,
        }
    )
    project.sandbox_account = sandbox_account["name"]  # for /_sandbox/inbound
    return project


@pytest.fixture
def agent(project):
    return make_agent(project, extension="101")


def follow(call: Call, timeout: float = 10.0) -> list[str]:
    """Apply events as they arrive; the statuses the call went through, until it ends."""
    seen = [call.status]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        apply_queued()
        call.refresh_from_db()
        if call.status != seen[-1]:
            seen.append(call.status)
        if call.ended_at is not None:
            return seen
        time.sleep(0.03)
    raise AssertionError(f"the call never ended; statuses seen: {seen}")


def click(agent, number: str) -> Call:
    started = start_call(agent=agent, number=number)
    assert started.created
    originate(started.call.pk)  # what the Celery worker does
    return Call.objects.get(pk=started.call.pk)


def test_click_rings_talks_and_ends_with_the_pbx_talk_time_then_the_next_click_works(
    pbx, project, agent, originate_queue
):
    call = click(agent, "+40722000111")
    assert call.status == "agent_ringing"
    assert follow(call) == ["agent_ringing", "answered", "completed"]
    call.refresh_from_db()
    assert call.duration == 2 and call.vendor_call_id  # billsec of a 1.6 s talk, the uniqueid
    hits = WebhookRequest.objects.filter(project=project).order_by("id")
    assert [h.method for h in hits] == ["GET", "GET"] and "event=outgoing_end" in hits[1].query
    next_call = start_call(agent=agent, number="+40722000222")
    assert next_call.created and next_call.call.pk != call.pk  # no 3-minute wait


def test_without_an_outbound_answer_event_the_call_goes_from_ringing_to_its_end(
    pbx, project, agent, originate_queue
):
    account = {**pbx.http("GET", f"/_sandbox/accounts/{project.sandbox_account}").json()}
    credentials = project.pbx_account.credentials  # the control API masks them
    pbx.put_account({**account, **credentials, "while1_outbound_answer": False})
    call = click(agent, "+40722000111")
    assert follow(call) == ["agent_ringing", "completed"]
    call.refresh_from_db()
    assert call.duration == 2 and call.answered_at is None


@pytest.mark.parametrize(
    ("number", "status", "reason"),
    [
        ("+40722000486", "busy", "The customer's line was busy."),
        ("+40722000408", "no_answer", "The customer did not answer."),
    ],
)
def test_busy_and_no_answer_end_the_call_with_a_reason(
    pbx, project, agent, originate_queue, number, status, reason
):
    call = click(agent, number)
    assert follow(call)[-1] == status
    call.refresh_from_db()
    assert call.failure_reason == reason and call.answered_at is None


def test_an_inbound_missed_call_opens_a_callback(pbx, project, agent):
    reply = pbx.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": project.sandbox_account,
            "from": "+40722555111",
            "to": "+40310000000",
            "extension": "101",
            "answer": False,
        },
    )
    assert reply.status == 201
    call = _inbound_call()
    assert follow(call)[-1] == "missed"
    callback = Callback.objects.get(project=project)
    assert callback.number == "+40722555111" and callback.missed_call == call


def test_an_answered_inbound_call_pops_up_with_our_contact_and_ends(pbx, project, agent):
    contact = make_contact(project, "Maria Ionescu", "+40722555222")
    reply = pbx.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": project.sandbox_account,
            "from": "+40722555222",
            "to": "+40310000000",
            "extension": "101",
        },
    )
    assert reply.status == 201
    call = _inbound_call()
    assert follow(call) == ["answered", "completed"]
    call.refresh_from_db()
    assert (call.agent, call.contact) == (agent, contact)
    logged = WebhookRequest.objects.filter(project=project).order_by("id").first()
    assert f"contact_id={contact.pk}" in logged.query  # our lookup's id, echoed by the PBX


def test_connection_check_and_phone_status_come_from_users_status(pbx, project):
    adapter = adapter_for(project)
    check = adapter.test_connection()
    assert check.ok and "lists 3 phone(s), 1 of them registered" in check.message
    assert adapter.presence() == {
        "101": Presence.REGISTERED,
        "102": Presence.OFFLINE,
        "999": Presence.OFFLINE,
    }
    paths = [r["path"] for r in pbx.requests() if r["account"] == project.sandbox_account]
    assert paths == ["/while1/api/users-status"] * 2  # signed, accepted, nobody was rung


def _inbound_call(timeout: float = 10.0) -> Call:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        apply_queued()
        call = Call.objects.filter(direction="inbound").first()
        if call is not None:
            return call
        time.sleep(0.03)
    raise AssertionError("no inbound call was created")


@pytest.mark.parametrize(
    ("credentials", "words"),
    [
        ({"api_key": "not the key"}, "rejected the request hash (Hash does not match)"),
        ({"api_token": "not-the-token"}, "did not accept the API token (Token does not match)"),
    ],
)
def test_connection_check_refused_by_the_sandbox_says_what_to_fix(pbx, project, credentials, words):
    account = project.pbx_account
    account.set_credentials({**account.credentials, **credentials})
    account.save()
    check = adapter_for(project).test_connection()
    assert not check.ok and words in check.message
