"""Telphin extension events -> NormalizedEvent, for every payload in tests/fixtures/telphin."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calls.pbx.base import (
    Direction,
    EventKind,
    HangupOutcome,
    InboundRequest,
    PbxConfig,
    WebhookAuthError,
)
from calls.pbx.telphin.adapter import TelphinAdapter
from calls.pbx.telphin.auth import InMemoryTokenCache
from calls.pbx.telphin.events import parse_events, parse_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telphin"
EVENT_FILES = sorted(p.name for p in FIXTURES.glob("*.txt"))
CALLBACK_CALL_ID = "4b1c0f5e8a6d11ef9d3a0242ac120007"  # the callback reply's call_id


def payload(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


def as_get(text: str) -> InboundRequest:
    return InboundRequest(
        method="GET",
        path="/hooks/telphin/tok/",
        query=parse_qs(text, keep_blank_values=True),
        form={},
        body=b"",
        headers={},
    )


def as_post(text: str, *, decoded: bool = True, query=None) -> InboundRequest:
    """A POST delivery; ``query`` is what the subscription URL itself carries."""
    body = text.encode("utf-8")
    return InboundRequest(
        method="POST",
        path="/hooks/telphin/tok/",
        query=query or {},
        form=parse_qs(text, keep_blank_values=True) if decoded else {},
        body=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def one(name: str, deliver=as_post):
    events = parse_events(deliver(payload(name)))
    assert len(events) == 1
    return events[0]


OUT, IN = Direction.OUTBOUND, Direction.INBOUND

# fixture: kind, direction, extension, leg, outcome, transferred
EXPECTED = {
    "callback_dial_out.txt": (EventKind.DIAL_OUT, OUT, "000*099", "customer", None, False),
    "callback_answer.txt": (EventKind.ANSWER, OUT, "000*099", "customer", None, False),
    "callback_hangup_answered.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.COMPLETED,
        False,
    ),
    "callback_hangup_busy.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.BUSY,
        False,
    ),
    "callback_hangup_noanswer.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.NO_ANSWER,
        False,
    ),
    "callback_hangup_cancel.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.CANCELED,
        False,
    ),
    "callback_hangup_congestion.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.FAILED,
        False,
    ),
    "callback_hangup_chanunavail.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        HangupOutcome.FAILED,
        False,
    ),
    "inbound_dial_in.txt": (EventKind.DIAL_IN, Direction.INBOUND, "000*099", "agent", None, False),
    "inbound_answer.txt": (EventKind.ANSWER, Direction.INBOUND, "000*099", "agent", None, False),
    "inbound_hangup.txt": (
        EventKind.HANGUP,
        Direction.INBOUND,
        "000*099",
        "agent",
        HangupOutcome.COMPLETED,
        False,
    ),
    "ivr_dial_in.txt": (EventKind.DIAL_IN, Direction.INBOUND, "000*001", "agent", None, False),
    "ivr_hangup_bridged_no.txt": (
        EventKind.HANGUP,
        Direction.INBOUND,
        "000*001",
        "agent",
        HangupOutcome.NO_ANSWER,
        False,
    ),
    "ivr_hangup_bridged_yes.txt": (
        EventKind.HANGUP,
        Direction.INBOUND,
        "000*001",
        "agent",
        HangupOutcome.COMPLETED,
        False,
    ),
    "queue_in_dial_in.txt": (EventKind.DIAL_IN, Direction.INBOUND, "000*050", "agent", None, False),
    "queue_in_hangup.txt": (
        EventKind.HANGUP,
        Direction.INBOUND,
        "000*050",
        "agent",
        HangupOutcome.COMPLETED,
        False,
    ),
    # Queue "out" thread: the queue rings its agents, CallFlow=out, owner = the queue.
    "queue_out_dial_in_agent1.txt": (
        EventKind.DIAL_IN,
        Direction.OUTBOUND,
        "000*050",
        "agent",
        None,
        False,
    ),
    "queue_out_dial_in_agent2.txt": (
        EventKind.DIAL_IN,
        Direction.OUTBOUND,
        "000*050",
        "agent",
        None,
        False,
    ),
    "queue_out_answer.txt": (EventKind.ANSWER, Direction.OUTBOUND, "000*050", "agent", None, False),
    "queue_out_hangup.txt": (
        EventKind.HANGUP,
        Direction.OUTBOUND,
        "000*050",
        "agent",
        HangupOutcome.COMPLETED,
        False,
    ),
    "transfered_dial_out.txt": (
        EventKind.DIAL_OUT,
        Direction.OUTBOUND,
        "000*099",
        "customer",
        None,
        True,
    ),
    "transferred_hangup_remote_number.txt": (
        EventKind.HANGUP,
        Direction.INBOUND,
        "000*099",
        "agent",
        HangupOutcome.COMPLETED,
        False,
    ),
    # CallFlow=in, but CallBackID says the callback resource started it: ours, outbound.
    "callback_agent_dial_in.txt": (EventKind.DIAL_IN, OUT, "000*100", "agent", None, False),
    "desk_phone_dial_out.txt": (EventKind.DIAL_OUT, OUT, "000*099", "customer", None, False),
    "message_in.txt": (EventKind.MESSAGE, Direction.INBOUND, "000*099", "agent", None, False),
    "unknown_voicemail.txt": (EventKind.UNKNOWN, Direction.INBOUND, "000*099", "", None, False),
    "garbage.txt": (EventKind.UNKNOWN, None, "", "", None, False),
}


def test_every_fixture_has_an_expectation():
    assert set(EVENT_FILES) == set(EXPECTED)


@pytest.mark.parametrize("name", EVENT_FILES)
def test_fixture_parses_as_expected(name):
    kind, direction, extension, leg, outcome, transferred = EXPECTED[name]
    event = one(name)
    assert (event.kind, event.direction, event.extension) == (kind, direction, extension)
    assert (event.leg, event.outcome, event.transferred) == (leg, outcome, transferred)
    assert event.dedupe_key.startswith("telphin:")
    assert len(event.dedupe_key) <= 200


@pytest.mark.parametrize("name", EVENT_FILES)
def test_get_and_post_delivery_give_the_same_event(name):
    via_get, via_post = one(name, as_get), one(name, as_post)
    assert via_get == via_post


def test_post_keeps_the_subscription_urls_own_query():
    event = parse_events(as_post(payload("inbound_dial_in.txt"), query={"myid": ["175"]}))[0]
    assert event.raw["myid"] == "175"
    assert event.raw["EventType"] == "dial-in"


def test_body_wins_over_a_same_named_query_field():
    text = payload("inbound_dial_in.txt")
    event = parse_events(as_post(text, query={"EventType": ["hangup"]}))[0]
    assert event.kind is EventKind.DIAL_IN


@pytest.mark.parametrize("name", EVENT_FILES)
def test_body_is_decoded_when_the_web_layer_did_not(name):
    assert one(name, lambda text: as_post(text, decoded=False)) == one(name, as_post)


def test_click_to_call_events_carry_the_callbacks_call_id():
    for name in ("callback_dial_out.txt", "callback_answer.txt", "callback_hangup_answered.txt"):
        assert one(name).vendor_call_id == CALLBACK_CALL_ID


def test_numbers_time_and_raw_fields():
    event = one("callback_dial_out.txt")
    assert event.from_number == "000*099"
    assert event.to_number == "+79817654321"
    assert event.occurred_at == datetime(2025, 11, 27, 18, 0, 0, 123456, tzinfo=UTC)
    assert event.raw["CallID"] == "4b1c0f5e8a6d11ef9d3a0242ac120007"
    assert event.raw["myid"] == "175"
    assert event.external_id == ""


def test_hangup_keeps_telphins_reason():
    assert "busy" in one("callback_hangup_busy.txt").reason
    assert "not registered" in one("callback_hangup_chanunavail.txt").reason
    assert one("callback_hangup_answered.txt").reason == ""


def test_cyrillic_caller_name_survives():
    name = "\u041e\u041e\u041e \u0420\u043e\u043c\u0430\u0448\u043a\u0430"  # OOO Romashka
    assert one("inbound_dial_in.txt").raw["CallerIDName"] == name


def test_event_without_call_id_falls_back_to_the_plain_form_of_call_api_id():
    text = payload("inbound_dial_in.txt").replace("CallID=", "Ignored=")
    assert one_text(text).vendor_call_id == "9e02d77a8a7011ef9d3a0242ac120007"


def one_text(text: str):
    return parse_events(as_post(text))[0]


def test_ivr_call_is_dial_in_then_missed_hangup():
    dial_in, hangup = one("ivr_dial_in.txt"), one("ivr_hangup_bridged_no.txt")
    assert dial_in.vendor_call_id == hangup.vendor_call_id
    assert hangup.outcome is HangupOutcome.NO_ANSWER


def test_repeat_has_same_key_and_distinct_events_distinct_keys():
    keys = [one(name).dedupe_key for name in EVENT_FILES]
    assert keys == [one(name).dedupe_key for name in EVENT_FILES]
    assert len(set(keys)) == len(keys)


def test_queue_threads_and_agents_are_told_apart():
    queue_in = one("queue_in_dial_in.txt")
    agent1, agent2 = one("queue_out_dial_in_agent1.txt"), one("queue_out_dial_in_agent2.txt")
    assert queue_in.raw["CallID"] == agent1.raw["CallID"] == agent2.raw["CallID"]
    assert len({queue_in.dedupe_key, agent1.dedupe_key, agent2.dedupe_key}) == 3


def test_same_leg_rung_again_later_is_a_new_event():
    text = payload("queue_out_dial_in_agent1.txt")
    later = text.replace("EventTime=1764270002000001", "EventTime=1764270032000001")
    assert one_text(text).dedupe_key != one_text(later).dedupe_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1764266400123456", datetime(2025, 11, 27, 18, 0, 0, 123456, tzinfo=UTC)),
        ("1764266400123", datetime(2025, 11, 27, 18, 0, 0, 123000, tzinfo=UTC)),
        ("1764266400", datetime(2025, 11, 27, 18, 0, 0, tzinfo=UTC)),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("9" * 40, None),
    ],
)
def test_event_time_units(value, expected):
    assert parse_time(value) == expected


def test_empty_request_is_one_unknown_event():
    request = InboundRequest("POST", "/", query={}, form={}, body=b"", headers={})
    [event] = parse_events(request)
    assert event.kind is EventKind.UNKNOWN


@given(st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=40), max_size=2)))
def test_any_form_parses_without_raising(form):
    request = InboundRequest("POST", "/", query={}, form=form, body=b"x", headers={})
    [event] = parse_events(request)
    assert event.dedupe_key


@given(st.binary(max_size=300))
def test_any_body_parses_without_raising(body):
    request = InboundRequest("POST", "/", query={}, form={}, body=body, headers={})
    assert len(parse_events(request)) == 1


def make_adapter(settings=None) -> TelphinAdapter:
    config = PbxConfig(
        base_url="https://apiproxy.telphin.test",
        credentials={"client_id": "app", "client_secret": "s"},
        settings=settings or {},
    )
    return TelphinAdapter(config, token_cache=InMemoryTokenCache())


def test_validate_request_accepts_anything_without_allowlist():
    adapter = make_adapter()
    request = _with_addr(as_post(payload("inbound_dial_in.txt")), "203.0.113.9")
    adapter.validate_request(request)  # refusing raises WebhookAuthError
    assert adapter.parse_events(request)[0].kind is EventKind.DIAL_IN  # the call is read


def test_validate_request_checks_the_optional_allowlist():
    adapter = make_adapter({"webhook_allowed_ips": "192.0.2.0/24, 198.51.100.7"})
    request = as_post(payload("inbound_dial_in.txt"))
    for good in ("192.0.2.14", "198.51.100.7"):
        adapter.validate_request(_with_addr(request, good))
    for bad in ("203.0.113.9", "", "not-an-ip"):
        with pytest.raises(WebhookAuthError):
            adapter.validate_request(_with_addr(request, bad))


def _with_addr(request: InboundRequest, addr: str) -> InboundRequest:
    from dataclasses import replace

    return replace(request, remote_addr=addr)


def test_adapter_parse_events_delegates():
    assert make_adapter().parse_events(as_get(payload("callback_answer.txt")))[0].kind is (
        EventKind.ANSWER
    )
