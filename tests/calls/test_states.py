"""The call state machine: events only move a call forward, in any order, any number of times."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from calls import states
from calls.pbx.base import EventKind, HangupOutcome
from calls.states import CallState, EventFacts

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


OUTBOUND_ANSWERED = [
    EventFacts(EventKind.DIAL_IN, at(0), leg="agent"),
    EventFacts(EventKind.ANSWER, at(2), leg="agent"),
    EventFacts(EventKind.DIAL_OUT, at(2.1), leg="customer"),
    EventFacts(EventKind.ANSWER, at(5), leg="customer"),
    EventFacts(EventKind.HANGUP, at(65), outcome=HangupOutcome.COMPLETED),
]


def run(events, state=None):
    state = state or CallState(status=states.ORIGINATING)
    for event in events:
        state = states.apply(state, event)
    return state


def test_an_answered_outbound_call_walks_through_every_state():
    seen = []
    state = CallState(status=states.ORIGINATING)
    for event in OUTBOUND_ANSWERED:
        state = states.apply(state, event)
        seen.append(state.status)
    assert seen == [
        "agent_ringing",
        "customer_ringing",
        "customer_ringing",
        "answered",
        "completed",
    ]
    assert state.answered_at == at(5) and state.ended_at == at(65) and state.duration == 60


def test_the_agent_picking_up_is_not_the_customer_answering():
    state = run(OUTBOUND_ANSWERED[:2])
    assert state.status == "customer_ringing" and state.answered_at is None


def test_a_busy_customer_ends_the_call_with_the_reason_kept():
    state = run(
        [
            *OUTBOUND_ANSWERED[:3],
            EventFacts(EventKind.HANGUP, at(9), outcome=HangupOutcome.BUSY, reason="User busy"),
        ]
    )
    assert (state.status, state.failure_reason, state.duration) == ("busy", "User busy", None)


def test_a_hangup_without_cause_before_answer_is_no_answer_and_a_late_answer_corrects_it():
    state = run([OUTBOUND_ANSWERED[0], EventFacts(EventKind.HANGUP, at(30))])
    assert state.status == "no_answer"
    late = states.apply(state, EventFacts(EventKind.ANSWER, at(10), leg="customer"))
    assert late.status == "completed" and late.duration == 20


def test_terminal_states_are_final_but_fill_in_timestamps():
    ended = run([EventFacts(EventKind.HANGUP, at(65), outcome=HangupOutcome.COMPLETED)])
    assert ended.status == "completed" and ended.answered_at is None
    filled = states.apply(ended, EventFacts(EventKind.ANSWER, at(5), leg="customer"))
    assert filled.status == "completed" and filled.duration == 60
    assert states.apply(filled, EventFacts(EventKind.DIAL_IN, at(0), leg="agent")) == filled


def test_a_canceled_or_failed_call_never_comes_back():
    for status in ("failed", "canceled", "busy"):
        state = CallState(status=status)
        assert run(OUTBOUND_ANSWERED, state).status == status


def test_inbound_calls_ring_then_complete_or_are_missed():
    inbound = CallState(status=states.RINGING, inbound=True)
    answered = run(
        [EventFacts(EventKind.ANSWER, at(3)), EventFacts(EventKind.HANGUP, at(33))], inbound
    )
    assert (answered.status, answered.duration) == ("completed", 30)
    missed = run([EventFacts(EventKind.HANGUP, at(20), outcome=HangupOutcome.NO_ANSWER)], inbound)
    assert missed.status == "missed"


SCENARIOS = [
    OUTBOUND_ANSWERED,
    [*OUTBOUND_ANSWERED[:3], EventFacts(EventKind.HANGUP, at(30), outcome=HangupOutcome.NO_ANSWER)],
    [
        OUTBOUND_ANSWERED[0],
        EventFacts(
            EventKind.HANGUP,
            at(20),
            leg="agent",
            outcome=HangupOutcome.NO_ANSWER,
            reason="Agent did not answer",
        ),
    ],
    [*OUTBOUND_ANSWERED[:4], EventFacts(EventKind.HANGUP, at(40))],  # a hangup that gives no cause
]


@settings(max_examples=300, deadline=None)
@given(
    scenario=st.sampled_from(SCENARIOS),
    data=st.data(),
)
def test_any_order_with_duplicates_gives_the_in_order_result(scenario, data):
    repeated = scenario + data.draw(st.lists(st.sampled_from(scenario), max_size=6))
    shuffled = data.draw(st.permutations(repeated))
    assert run(shuffled) == run(scenario)


def test_the_pbx_talk_time_wins_over_our_clock_even_when_it_comes_late():
    answered = CallState(status=states.ANSWERED, answered_at=T0)
    hangup = EventFacts(kind=EventKind.HANGUP, at=T0 + timedelta(seconds=50), talk_seconds=42)
    ended = states.apply(answered, hangup)
    assert (ended.status, ended.duration) == (states.COMPLETED, 42)

    closed_by_us = CallState(
        status=states.COMPLETED, answered_at=T0, ended_at=T0 + timedelta(seconds=60)
    )
    assert closed_by_us.duration == 60
    assert states.apply(closed_by_us, hangup).duration == 42


def test_a_hangup_with_talk_time_proves_the_call_was_answered():
    ringing = CallState(status=states.CUSTOMER_RINGING)
    hangup = EventFacts(kind=EventKind.HANGUP, at=T0, talk_seconds=7)
    assert states.apply(ringing, hangup).status == states.COMPLETED
