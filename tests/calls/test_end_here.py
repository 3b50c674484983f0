"""Ending a call in pbxportal: the agent is free at once, the trail says who and why,
and the PBX's late events still fill in the truth."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from calls.events.call_moves import apply_event
from calls.models import AuditEntry, Call, Callback, CallDirection, CallStatus, EndedBy
from calls.outbound.hangup import end_call_here, ender_role
from calls.outbound.start import start_call
from calls.pbx.base import Direction, EventKind, HangupOutcome, NormalizedEvent
from tests.factories import make_agent, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The sentences are checked in English, whatever language an earlier test's page left."""
    with translation.override("en"):
        yield


def live_call(agent, status=CallStatus.ANSWERED, **fields) -> Call:
    now = timezone.now()
    defaults = {"answered_at": now - timedelta(seconds=40)} if status == "answered" else {}
    fields = {"direction": CallDirection.OUTBOUND, "vendor_call_id": "w1-77", **defaults, **fields}
    return Call.objects.create(
        project=agent.project, agent=agent, remote_number="+40722123456", status=status, **fields
    )


def pbx_event(call, kind, key, at, **fields) -> None:
    event = NormalizedEvent(
        kind=kind,
        dedupe_key=key,
        vendor_call_id=call.vendor_call_id,
        direction=Direction.OUTBOUND,
        occurred_at=at,
        **fields,
    )
    apply_event(project=call.project, vendor="while1", event=event)


def test_an_agent_ends_a_talking_call_and_can_call_again_at_once(agent, originate_queue):
    agent.user.first_name = "Ana"
    agent.user.save()
    call = live_call(agent)
    ended = end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    assert ended.ended and ended.message == ""
    call.refresh_from_db()
    assert (call.status, call.ended_by) == (CallStatus.COMPLETED, EndedBy.AGENT)
    assert call.ended_at is not None and 39 <= call.duration <= 41
    entry = AuditEntry.objects.get(action="call.ended_here")
    assert entry.actor == agent.user and entry.object_id == str(call.pk)
    assert entry.summary.startswith("Ana ended the call to")
    assert "the PBX did not report the end" in entry.summary
    assert start_call(agent=agent, number="0722 999 888").created


def test_a_call_still_ringing_is_canceled(agent):
    call = live_call(agent, CallStatus.CUSTOMER_RINGING)
    end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    call.refresh_from_db()
    assert (call.status, call.duration, call.ended_by) == ("canceled", None, "agent")


def test_ending_an_ended_call_changes_nothing_and_says_so(agent):
    call = live_call(agent, CallStatus.BUSY, ended_at=timezone.now())
    ended = end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    assert not ended.ended and "already ended" in ended.message
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("busy", "")
    assert not AuditEntry.objects.filter(action="call.ended_here").exists()


def test_an_inbound_caller_nobody_answered_is_missed_and_gets_a_callback(agent):
    call = live_call(agent, CallStatus.RINGING, direction=CallDirection.INBOUND)
    end_call_here(call=call, by=make_user("supervisor"), role=EndedBy.SUPERVISOR)
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("missed", "supervisor")
    assert Callback.objects.get(number=call.remote_number).closed_at is None


def test_a_late_pbx_hangup_replaces_our_end_and_talk_time_but_not_who_ended_it(agent):
    call = live_call(agent)
    end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    pbx_end = call.answered_at + timedelta(seconds=25)
    pbx_event(call, EventKind.HANGUP, "h1", pbx_end, talk_seconds=24)
    call.refresh_from_db()
    assert (call.ended_at, call.duration, call.ended_by) == (pbx_end, 24, "agent")
    pbx_event(call, EventKind.HANGUP, "h2", pbx_end + timedelta(seconds=5))  # the other leg
    call.refresh_from_db()
    assert (call.ended_at, call.duration) == (pbx_end, 24)


def test_a_late_answer_turns_a_call_canceled_here_into_completed(agent):
    call = live_call(agent, CallStatus.CUSTOMER_RINGING)
    end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    answered = timezone.now() - timedelta(seconds=30)
    pbx_event(call, EventKind.ANSWER, "a1", answered, leg="customer")
    call.refresh_from_db()
    assert (call.status, call.answered_at, call.ended_by) == ("completed", answered, "agent")


def test_the_pbx_says_busy_after_we_canceled(agent):
    call = live_call(agent, CallStatus.CUSTOMER_RINGING)
    end_call_here(call=call, by=agent.user, role=EndedBy.AGENT)
    pbx_event(
        call,
        EventKind.HANGUP,
        "h1",
        timezone.now(),
        outcome=HangupOutcome.BUSY,
        reason="User busy",
    )
    call.refresh_from_db()
    assert (call.status, call.failure_reason, call.ended_by) == ("busy", "User busy", "agent")


def test_who_may_end_a_call(agent, project):
    call = live_call(agent)
    assert ender_role(agent.user, call) == EndedBy.AGENT
    assert ender_role(make_user("supervisor"), call) == EndedBy.SUPERVISOR
    assert ender_role(make_user("admin"), call) == EndedBy.ADMIN
    assert ender_role(make_agent(project).user, call) is None
