"""Telphin's live event shapes, matched to our calls by CallID (applied to the database).

The ids are those of public payloads (webasyst/crm plugins/telphin, xdimedrolx/telphin-go-sdk
testdata/post_callback.json): the callback answers ``call_id`` = ``call_api_id`` = H as plain
hex, and the events of that call carry ``CallID=H`` and ``CallAPIID=<digits>-<H dashed>``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest

from calls.events.call_moves import apply_event
from calls.models import Call, CallEvent, Vendor
from calls.pbx.base import Direction, EventKind, HangupOutcome, InboundRequest, NormalizedEvent
from calls.pbx.telphin.events import parse_events, plain_call_id
from tests.factories import make_account, make_agent, make_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telphin"
CALL_ID = "4b1c0f5e8a6d11ef9d3a0242ac120007"  # callback_201.json's call_id
TRIO = ("callback_dial_out.txt", "callback_answer.txt", "callback_hangup_answered.txt")


def event(name: str, **changes: str) -> NormalizedEvent:
    fields = parse_qs((FIXTURES / name).read_text(encoding="utf-8").strip(), keep_blank_values=1)
    for key, value in changes.items():
        fields[key] = [value]
    request = InboundRequest("POST", "/hooks/t/", query={}, form=fields, body=b"", headers={})
    [parsed] = parse_events(request)
    return parsed


@pytest.mark.parametrize(
    ("given", "plain"),
    [
        ("3584709739-b5187f38-a9cc-43f2-ba06-8bce983a513e", "b5187f38a9cc43f2ba068bce983a513e"),
        ("b5187f38a9cc43f2ba068bce983a513e", "b5187f38a9cc43f2ba068bce983a513e"),
        ("B5187F38A9CC43F2BA068BCE983A513E", "b5187f38a9cc43f2ba068bce983a513e"),
        (" 02abb9ee685a11ea94bfe17eb6eaecba ", "02abb9ee685a11ea94bfe17eb6eaecba"),
        ("175-not-a-uuid", "175-not-a-uuid"),  # a shape we do not know is kept as it came
        ("", ""),
    ],
)
def test_call_api_id_in_both_shapes_is_the_plain_hex(given, plain):
    assert plain_call_id(given) == plain


def test_every_event_of_a_click_to_call_names_the_callbacks_call_id():
    assert {event(name).vendor_call_id for name in TRIO} == {CALL_ID}


def test_a_dashed_call_api_id_alone_still_names_the_call():
    dashed = event("callback_answer.txt", CallID="")
    assert dashed.vendor_call_id == CALL_ID


def test_answered_hangup_carries_the_pbx_talk_time_in_seconds():
    assert event("callback_hangup_answered.txt").talk_seconds == 88  # Duration=88250000 µs
    assert event("callback_hangup_answered.txt", Duration="11420018").talk_seconds == 11
    assert event("callback_hangup_answered.txt", Duration="").talk_seconds is None


@pytest.mark.parametrize("name", ["callback_hangup_busy.txt", "callback_hangup_noanswer.txt"])
def test_unanswered_hangup_has_no_talk_time_whatever_its_duration(name):
    assert event(name, Duration="17000000").talk_seconds is None


def test_event_time_is_microseconds():
    at = event("callback_hangup_answered.txt").occurred_at
    assert at is not None and at.microsecond == 623456 and at.year == 2025


def test_after_a_transfer_the_remote_number_is_the_customer():
    transferred = event("transferred_hangup_remote_number.txt")
    assert transferred.from_number == "+74951234567"  # not the colleague's 000*100
    assert transferred.talk_seconds == 42  # 41.5 s rounds to even
    assert event("callback_dial_out.txt", RemoteNumber="+79990000000").to_number == "+79990000000"


def test_a_callback_leg_is_ours_even_when_its_flow_is_in():
    leg = event("callback_agent_dial_in.txt")
    assert leg.direction is Direction.OUTBOUND and leg.raw["CallBackID"] == "77351"
    assert leg.vendor_call_id == "b5187f38a9cc43f2ba068bce983a513e"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("ANSWER", HangupOutcome.COMPLETED),
        ("BUSY", HangupOutcome.BUSY),
        ("NOANSWER", HangupOutcome.NO_ANSWER),
        ("CANCEL", HangupOutcome.CANCELED),
        ("CONGESTION", HangupOutcome.FAILED),
        ("CHANUNAVAIL", HangupOutcome.FAILED),
    ],
)
def test_hangup_outcomes(status, outcome):
    assert event("callback_hangup_answered.txt", CallStatus=status).outcome is outcome


def test_each_event_type_of_a_leg_has_its_own_key_and_a_repeat_the_same():
    keys = [event(name).dedupe_key for name in TRIO]
    assert len(set(keys)) == 3
    assert keys == [event(name).dedupe_key for name in TRIO]


# -- applied to our calls -------------------------------------------------------------


@pytest.fixture
def placed_call(db) -> Call:
    """A click-to-call Telphin accepted: the callback's call_id is our vendor_call_id."""
    project = make_project(make_account(Vendor.TELPHIN, client_id="app", client_secret="s"))
    agent = make_agent(project, extension="000*099")
    return Call.objects.create(
        project=project,
        agent=agent,
        direction="outbound",
        remote_number="+79817654321",
        status="agent_ringing",
        vendor_call_id=CALL_ID,
    )


def apply(call: Call, name: str, **changes: str):
    return apply_event(project=call.project, vendor="telphin", event=event(name, **changes))


def test_live_events_follow_the_call_to_its_end_with_the_pbx_duration(placed_call):
    assert apply(placed_call, "callback_dial_out.txt").call == placed_call
    placed_call.refresh_from_db()
    assert placed_call.status == "customer_ringing"
    apply(placed_call, "callback_answer.txt")
    placed_call.refresh_from_db()
    assert placed_call.status == "answered"
    apply(placed_call, "callback_hangup_answered.txt")
    placed_call.refresh_from_db()
    assert (placed_call.status, placed_call.duration) == ("completed", 88)


def test_a_repeated_event_is_stored_once_and_changes_nothing(placed_call):
    apply(placed_call, "callback_dial_out.txt")
    again = apply(placed_call, "callback_dial_out.txt")
    assert again.duplicate
    assert CallEvent.objects.filter(call=placed_call).count() == 1


def test_busy_customer_ends_the_call_busy(placed_call):
    apply(placed_call, "callback_dial_out.txt")
    apply(placed_call, "callback_hangup_busy.txt")
    placed_call.refresh_from_db()
    assert placed_call.status == "busy" and placed_call.duration in (None, 0)


def test_an_event_of_a_call_we_did_not_place_is_kept_and_touches_no_call(placed_call):
    applied = apply(placed_call, "desk_phone_dial_out.txt")
    assert applied.call is None and applied.event is not None
    assert applied.event.kind == EventKind.DIAL_OUT.value
    assert Call.objects.count() == 1
    placed_call.refresh_from_db()
    assert placed_call.status == "agent_ringing"
