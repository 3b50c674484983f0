"""VoipCenter's stream messages in our words: the recorded notify sequences of the sandbox
(tests/fixtures/voipcenter/notify/) and shapes nobody promised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calls.pbx.base import Direction, EventKind, HangupOutcome, InboundRequest, PbxConfig
from calls.pbx.voipcenter import VoipCenterAdapter
from calls.pbx.voipcenter.notify import STREAM_METHOD, parse_notify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "voipcenter" / "notify"


def recorded(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def events_of(messages: list) -> list:
    return [event for m in messages for event in parse_notify(json.dumps(m).encode())]


def steps(events: list) -> list[tuple[EventKind, str]]:
    return [(e.kind, e.leg) for e in events]


CLICK_TO_CALL = [
    (EventKind.DIAL_IN, "agent"),  # the agent's phone rings (call.php rings the SIP account)
    (EventKind.ANSWER, "agent"),  # the agent picks up
    (EventKind.DIAL_OUT, "customer"),  # VoipCenter dials the customer
]


def test_a_click_to_call_that_was_answered() -> None:
    events = events_of(recorded("outbound_completed"))

    assert steps(events) == [*CLICK_TO_CALL, (EventKind.ANSWER, "customer"), (EventKind.HANGUP, "")]
    hangup = events[-1]
    assert hangup.outcome is HangupOutcome.COMPLETED and hangup.talk_seconds == 1
    for event in events:
        assert event.direction is Direction.OUTBOUND
        assert event.extension == "201" and event.to_number == "+3293456789"  # matchable
        assert event.vendor_call_id == events[0].vendor_call_id != ""
        assert event.occurred_at is not None and event.occurred_at.tzinfo is not None
    assert len({e.dedupe_key for e in events}) == len(events)


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("outbound_busy", HangupOutcome.BUSY), ("outbound_no_answer", HangupOutcome.NO_ANSWER)],
)
def test_a_click_to_call_nobody_answered(name: str, outcome: HangupOutcome) -> None:
    events = events_of(recorded(name))

    assert steps(events) == [*CLICK_TO_CALL, (EventKind.HANGUP, "")]
    assert events[-1].outcome is outcome and events[-1].talk_seconds is None  # "0": no talk


def test_an_inbound_call() -> None:
    events = events_of(recorded("inbound_answered"))

    assert [e.kind for e in events] == [EventKind.DIAL_IN, EventKind.ANSWER, EventKind.HANGUP]
    assert {e.direction for e in events} == {Direction.INBOUND}
    assert events[0].from_number == "+3250123456" and events[0].extension == "201"


def test_the_same_message_twice_has_the_same_key() -> None:
    message = json.dumps(recorded("outbound_completed")[0]).encode()
    assert parse_notify(message)[0].dedupe_key == parse_notify(message)[0].dedupe_key


def test_odd_shapes_are_kept_never_acted_on() -> None:
    odd = json.loads((FIXTURES / "odd_shapes.json").read_text())

    [presence] = parse_notify(json.dumps(odd["presence"]).encode())
    assert presence.kind is EventKind.MESSAGE and presence.raw["type"] == "presence"
    [no_call] = parse_notify(json.dumps(odd["no_call_id"]).encode())
    assert no_call.kind is EventKind.UNKNOWN  # a call step tied to no call
    ringing, text = parse_notify(json.dumps(odd["list_of_two"]).encode())
    assert ringing.kind is EventKind.DIAL_IN and text.kind is EventKind.UNKNOWN
    [number] = parse_notify(json.dumps(odd["number"]).encode())
    assert number.kind is EventKind.UNKNOWN
    [upper] = parse_notify(json.dumps(odd["upper_case"]).encode())
    assert upper.kind is EventKind.HANGUP and upper.outcome is HangupOutcome.NO_ANSWER
    assert upper.direction is Direction.OUTBOUND and upper.vendor_call_id == "c-10"


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"{", b"null", b"[]"])
def test_unreadable_messages_give_unknown_events(body: bytes) -> None:
    events = parse_notify(body)
    assert all(e.kind is EventKind.UNKNOWN for e in events)
    assert all(e.dedupe_key.startswith("vcws:") for e in events)


def test_the_adapter_reads_stream_messages_and_generic_webhooks() -> None:
    adapter = VoipCenterAdapter(PbxConfig("http://127.0.0.1:9", {}))
    message = json.dumps(recorded("outbound_busy")[-1]).encode()

    def request(method: str, body: bytes) -> InboundRequest:
        return InboundRequest(method, "(stored)", {}, {}, body, {})

    [hangup] = adapter.parse_events(request(STREAM_METHOD, message))
    assert hangup.kind is EventKind.HANGUP and hangup.outcome is HangupOutcome.BUSY
    generic = json.dumps({"event_id": "e1", "call_id": "c1", "event": "answer"}).encode()
    [answer] = adapter.parse_events(request("POST", generic))
    assert answer.kind is EventKind.ANSWER and answer.dedupe_key == "e1"
