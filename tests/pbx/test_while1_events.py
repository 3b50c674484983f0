"""While1's own "Send Events" GETs: what each one means, and what it does to our calls.

The query strings in tests/fixtures/while1/events/ are the vendor wiki's examples
(Send_Events, EN and RO) as While1 sends them; the outgoing_end ones follow our
assumptions, written down in docs/vendors/while1.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from calls.models import Call, CallEvent, WebhookRequest
from calls.models.work import Callback
from calls.outbound.start import start_call
from calls.pbx.base import Direction, EventKind, HangupOutcome, InboundRequest, PbxConfig
from calls.pbx.while1 import While1Adapter
from calls.pbx.while1.events import dedupe_key, event_fields
from tests.events import apply_queued
from tests.factories import make_agent, make_contact, make_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "while1" / "events"


def query(name: str, **changes: str) -> str:
    text = (FIXTURES / f"{name}.txt").read_text().strip()
    if not changes:
        return text
    fields = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    fields.update(changes)
    return "&".join(f"{k}={v}" for k, v in fields.items())


def as_get(text: str) -> InboundRequest:
    return InboundRequest(
        method="GET",
        path="/hooks/while1/t/",
        query=parse_qs(text, keep_blank_values=True),
        form={},
        body=b"",
        headers={},
        query_string=text,
    )


def parse(text: str):
    adapter = While1Adapter(PbxConfig(base_url="http://pbx.test", credentials={}))
    return adapter.parse_events(as_get(text))


# --- what each event means --------------------------------------------------------


@pytest.mark.parametrize("name", ["queue_answer", "dial_answer", "call_forward_answer"])
def test_answer_events_are_an_inbound_call_answered_by_the_named_agent(name):
    (event,) = parse(query(name))
    assert event.kind == EventKind.ANSWER and event.direction == Direction.INBOUND
    assert (event.extension, event.from_number) == ("test-user", "0700000000")
    assert event.vendor_call_id.startswith("1234567890.") and event.leg == "agent"


def test_queue_answer_end_ends_the_answered_inbound_call():
    (event,) = parse(query("queue_answer_end"))
    assert event.kind == EventKind.HANGUP and event.direction == Direction.INBOUND
    assert event.outcome == HangupOutcome.COMPLETED and event.vendor_call_id == "1234567890.12"


def test_missed_call_carries_the_contact_and_the_reason_in_words():
    (event,) = parse(query("missed_calls"))
    assert event.kind == EventKind.HANGUP and event.direction == Direction.INBOUND
    assert event.contact_id == "123456" and event.from_number == "0700000000"
    assert event.reason == "The caller hung up while waiting in the queue."
    (explained,) = parse(query("missed_calls", explain_reason="Outside+office+hours"))
    assert explained.reason == "Outside office hours (queue_hangup)"


@pytest.mark.parametrize(
    ("name", "outcome", "talk"),
    [
        ("outgoing_end_answered", HangupOutcome.COMPLETED, 42),
        ("outgoing_end_busy", HangupOutcome.BUSY, 0),
        ("outgoing_end_no_answer", HangupOutcome.NO_ANSWER, 0),  # duration=30 is ringing
    ],
)
def test_outgoing_end_is_our_outbound_call_ending_with_the_pbx_talk_time(name, outcome, talk):
    (event,) = parse(query(name))
    assert event.kind == EventKind.HANGUP and event.direction == Direction.OUTBOUND
    assert (event.outcome, event.talk_seconds, event.extension) == (outcome, talk, "test-user")


@pytest.mark.parametrize(
    ("changes", "outcome", "talk"),
    [
        ({"disposition": "", "billsec": "", "talk_seconds": "00:01:05"}, "completed", 65),
        ({"disposition": "", "status": "CANCEL", "billsec": "0"}, "canceled", 0),
        ({"disposition": "no_answer", "billsec": ""}, "no_answer", 0),
        ({"disposition": "CHANUNAVAIL"}, "failed", 0),
        ({"disposition": "", "billsec": "nan", "duration": ""}, None, None),
    ],
)
def test_outgoing_end_accepts_reasonable_aliases(changes, outcome, talk):
    (event,) = parse(query("outgoing_end_answered", **changes))
    assert (event.outcome, event.talk_seconds) == (outcome, talk)


def test_an_outbound_dial_answer_is_the_customer_answering():
    (event,) = parse(query("dial_answer_outbound"))
    assert (event.kind, event.direction, event.leg) == (
        EventKind.ANSWER,
        Direction.OUTBOUND,
        "customer",
    )
    assert event.to_number == "0722000111"


def test_unknown_events_and_fields_are_kept_never_acted_on():
    (event,) = parse(query("unknown_event"))
    assert event.kind == EventKind.UNKNOWN and event.raw["brand_new_field"] == "42"
    (empty,) = parse("")
    assert empty.kind == EventKind.UNKNOWN and empty.dedupe_key.startswith("w1:raw:")


def test_a_repeat_has_the_same_key_and_two_events_of_one_call_do_not():
    answer, again = parse(query("queue_answer"))[0], parse(query("queue_answer"))[0]
    end = parse(query("queue_answer_end"))[0]
    assert answer.dedupe_key == again.dedupe_key != end.dedupe_key
    other_agent = parse(query("queue_answer", agent="maria"))[0]
    assert other_agent.dedupe_key != answer.dedupe_key  # a transfer answered by another
    fields = event_fields(as_get(query("queue_answer")))
    assert dedupe_key(fields, "queue_answer") == answer.dedupe_key


# --- through the webhook, the applier and the call --------------------------------


def hook(project) -> str:
    return f"/hooks/while1/{project.webhook_token}/"


def send(client, project, text: str):
    response = client.get(hook(project) + "?" + text)
    apply_queued()
    return response


@pytest.fixture
def project(db):
    return make_project(project_id=1)


@pytest.fixture
def agent(project):
    return make_agent(project, extension="test-user")


@pytest.mark.django_db
def test_while1_gets_an_empty_200_and_the_raw_request_is_logged(client, project):
    response = client.get(hook(project) + "?" + query("unknown_event"))
    assert response.status_code == 200 and response.content == b""
    [entry] = apply_queued()
    assert entry.query == query("unknown_event") and entry.verdict == "accepted"
    assert CallEvent.objects.get().kind == "unknown"


@pytest.mark.django_db
def test_our_generic_json_events_still_get_a_json_reply(client, project):
    response = client.post(hook(project), "{}", content_type="application/json")
    assert response.status_code == 200 and response.json() == {"queued": True}


@pytest.mark.django_db
def test_an_answered_inbound_call_pops_up_for_the_agent_then_ends(client, project, agent):
    contact = make_contact(project, "Ana Pop")
    assert send(client, project, query("queue_answer", contact_id=str(contact.pk))).content == b""
    call = Call.objects.get()
    assert (call.direction, call.status, call.agent, call.contact) == (
        "inbound",
        "answered",
        agent,
        contact,
    )
    assert call.remote_number == "+40700000000" and call.vendor_call_id == "1234567890.12"
    send(client, project, query("queue_answer_end", contact_id=str(contact.pk)))
    call.refresh_from_db()
    assert call.status == "completed" and call.ended_at is not None


@pytest.mark.django_db
def test_a_contact_id_of_another_project_is_not_linked(client, project, agent):
    stranger = make_contact(make_project(project_id=2), "Not Ours")
    ours = make_contact(project, "Ours", "+40700000000")
    send(client, project, query("queue_answer", contact_id=str(stranger.pk)))
    assert Call.objects.get().contact == ours  # found by the number instead


@pytest.mark.django_db
def test_a_missed_call_opens_a_callback(client, project):
    send(client, project, query("missed_calls", contact_id=""))
    call = Call.objects.get()
    assert (call.direction, call.status, call.remote_number) == (
        "inbound",
        "missed",
        "+40700000000",
    )
    assert "hung up while waiting" in call.failure_reason
    assert Callback.objects.get().missed_call == call


@pytest.mark.django_db
def test_a_repeated_get_is_applied_once(client, project, agent):
    send(client, project, query("queue_answer"))
    send(client, project, query("queue_answer"))
    assert [e.applied for e in WebhookRequest.objects.order_by("id")] == [1, 0]
    assert Call.objects.count() == 1


def clicked(agent, number: str = "+40722000111") -> Call:
    call = start_call(agent=agent, number=number).call
    Call.objects.filter(pk=call.pk).update(status="customer_ringing")
    return Call.objects.get(pk=call.pk)


@pytest.mark.django_db
def test_outgoing_end_by_external_id_ends_the_call_and_the_next_click_works(
    client, project, agent, originate_queue
):
    call = clicked(agent)
    send(client, project, query("outgoing_end_answered", external_id=str(call.external_id)))
    call.refresh_from_db()
    assert (call.status, call.duration, call.vendor_call_id) == ("completed", 42, "1234567891.15")
    assert start_call(agent=agent, number="+40722000222").created


@pytest.mark.django_db
def test_outgoing_end_without_our_id_matches_by_agent_and_number(
    client, project, agent, originate_queue
):
    call = clicked(agent, "+40722000486")
    send(client, project, query("outgoing_end_busy"))
    call.refresh_from_db()
    assert call.status == "busy" and call.failure_reason == "The customer's line was busy."


@pytest.mark.django_db
def test_outgoing_end_does_not_take_a_call_clicked_before_the_window(
    client, project, agent, originate_queue
):
    project.settings = {"project_id": 1, "outbound_match_window_minutes": 30}
    project.save()
    call = clicked(agent, "+40722000408")
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=31))
    send(client, project, query("outgoing_end_no_answer"))
    call.refresh_from_db()
    assert call.status == "customer_ringing"


@pytest.mark.django_db
def test_an_outbound_answer_shows_talking_and_the_end_matches_by_uniqueid(
    client, project, agent, originate_queue
):
    call = clicked(agent)
    send(client, project, query("dial_answer_outbound"))
    call.refresh_from_db()
    assert call.status == "answered" and call.vendor_call_id == "1234567891.15"
    send(client, project, query("outgoing_end_answered", external_id="", telephone="0799999999"))
    call.refresh_from_db()
    assert (call.status, call.duration) == ("completed", 42)
