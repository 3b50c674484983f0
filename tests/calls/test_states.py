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


# Ended in pbxportal (the PBX could not hang up or stayed silent): late PBX events still
# fill in the truth, and the end stays ours.

ENDED_HERE_AT = at(90)


def ended_here(events):
    """The call after ``events``, then ended in pbxportal at 90 s."""
    return states.end_here(run(events), ENDED_HERE_AT)


def test_ending_here_completes_an_answered_call_and_cancels_one_still_ringing():
    talking = ended_here(OUTBOUND_ANSWERED[:4])
    assert (talking.status, talking.ended_at, talking.duration) == ("completed", at(90), 85)
    assert talking.ended_here
    ringing = ended_here(OUTBOUND_ANSWERED[:3])
    assert (ringing.status, ringing.ended_at, ringing.duration) == ("canceled", at(90), None)


def test_an_inbound_caller_nobody_answered_is_missed_when_ended_here():
    ringing = CallState(status=states.RINGING, inbound=True)
    assert states.end_here(ringing, ENDED_HERE_AT).status == "missed"


def test_ending_here_leaves_an_ended_call_as_it_is():
    done = run(OUTBOUND_ANSWERED)
    assert states.end_here(done, ENDED_HERE_AT) == done


def test_a_late_pbx_hangup_replaces_our_end_with_its_own_time_and_talk_time():
    state = ended_here(OUTBOUND_ANSWERED[:4])
    late = states.apply(state, EventFacts(EventKind.HANGUP, at(65), talk_seconds=58))
    assert (late.status, late.ended_at, late.duration) == ("completed", at(65), 58)
    assert late.ended_here  # who ended it in pbxportal stays


def test_a_second_pbx_hangup_does_not_move_the_pbx_end_again():
    state = ended_here(OUTBOUND_ANSWERED[:4])
    first = states.apply(state, EventFacts(EventKind.HANGUP, at(65)))
    second = states.apply(first, EventFacts(EventKind.HANGUP, at(70)))
    assert second.ended_at == at(65) and second.duration == 60


def test_a_late_answer_turns_a_call_canceled_here_into_a_completed_one():
    state = ended_here(OUTBOUND_ANSWERED[:3])
    late = states.apply(state, EventFacts(EventKind.ANSWER, at(5), leg="customer"))
    assert (late.status, late.answered_at, late.duration) == ("completed", at(5), 85)


def test_the_agent_picking_up_late_proves_nothing():
    state = ended_here(OUTBOUND_ANSWERED[:1])
    assert states.apply(state, EventFacts(EventKind.ANSWER, at(2), leg="agent")) == state


def test_the_pbx_outcome_corrects_a_call_canceled_here():
    state = ended_here(OUTBOUND_ANSWERED[:3])
    busy = EventFacts(EventKind.HANGUP, at(9), outcome=HangupOutcome.BUSY, reason="User busy")
    late = states.apply(state, busy)
    assert (late.status, late.failure_reason, late.ended_at) == ("busy", "User busy", at(9))


def test_a_pbx_end_with_no_cause_keeps_a_call_canceled_here_canceled():
    state = ended_here(OUTBOUND_ANSWERED[:3])
    late = states.apply(state, EventFacts(EventKind.HANGUP, at(30)))
    assert (late.status, late.ended_at, late.failure_reason) == ("canceled", at(30), "")


def test_a_call_the_pbx_ended_itself_is_not_corrected_by_another_hangup():
    done = run(OUTBOUND_ANSWERED)
    assert not done.ended_here
    again = states.apply(done, EventFacts(EventKind.HANGUP, at(80)))
    assert again.ended_at == at(65)


# What the PBX says late, after the call was ended here at 90 s, in the order it happened.
LATE_AFTER_ENDED_HERE = [
    (OUTBOUND_ANSWERED[:3], OUTBOUND_ANSWERED[3:]),  # answered, then hung up
    (OUTBOUND_ANSWERED[:4], OUTBOUND_ANSWERED[4:]),  # only the hangup was late
    (
        OUTBOUND_ANSWERED[:3],
        [EventFacts(EventKind.HANGUP, at(30), outcome=HangupOutcome.NO_ANSWER)],
    ),
    (OUTBOUND_ANSWERED[:3], [OUTBOUND_ANSWERED[3], EventFacts(EventKind.HANGUP, at(40))]),
    (OUTBOUND_ANSWERED[:1], OUTBOUND_ANSWERED[1:]),  # the PBX was silent from the start
]


@settings(max_examples=300, deadline=None)
@given(scenario=st.sampled_from(LATE_AFTER_ENDED_HERE), data=st.data())
def test_late_events_after_an_end_here_give_the_same_result_in_any_order(scenario, data):
    before, late = scenario
    repeated = late + data.draw(st.lists(st.sampled_from(late), max_size=6))
    shuffled = data.draw(st.permutations(repeated))
    assert run(shuffled, ended_here(before)) == run(late, ended_here(before))


def test_late_events_tell_the_same_times_as_if_the_pbx_had_never_been_late():
    for before, late in LATE_AFTER_ENDED_HERE:
        truth = run([*before, *late])
        corrected = run(late, ended_here(before))
        assert (corrected.status, corrected.answered_at, corrected.ended_at) == (
            truth.status,
            truth.answered_at,
            truth.ended_at,
        ), (before, late)
        assert corrected.duration == truth.duration
