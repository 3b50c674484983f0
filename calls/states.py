"""The call state machine: pure functions, no ORM.

Each status has a rank; an event may only raise it, so late and repeated
events never move a call backwards. Terminal statuses are final, but a late
event may still fill in a missing timestamp, and a late customer answer proves
that a call we had closed as unanswered was in fact answered.

A call ended in pbxportal (``end_here``: the PBX could not hang up or stayed silent)
keeps that it was ended here, but its end is only our best guess: the PBX's first
hangup replaces our time and talk time, and may correct how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from calls.pbx.base import EventKind, HangupOutcome

QUEUED = "queued"
ORIGINATING = "originating"
AGENT_RINGING = "agent_ringing"
CUSTOMER_RINGING = "customer_ringing"
RINGING = "ringing"
ANSWERED = "answered"
COMPLETED = "completed"
MISSED = "missed"
NO_ANSWER = "no_answer"
BUSY = "busy"
FAILED = "failed"
CANCELED = "canceled"

TERMINAL = frozenset({COMPLETED, MISSED, NO_ANSWER, BUSY, FAILED, CANCELED})
UNANSWERED = frozenset({MISSED, NO_ANSWER})

RANK = {
    QUEUED: 0,
    ORIGINATING: 10,
    AGENT_RINGING: 20,
    RINGING: 20,
    CUSTOMER_RINGING: 30,
    ANSWERED: 40,
    **dict.fromkeys(TERMINAL, 100),
}

_OUTCOME_STATUS = {
    HangupOutcome.COMPLETED: COMPLETED,
    HangupOutcome.NO_ANSWER: NO_ANSWER,
    HangupOutcome.BUSY: BUSY,
    HangupOutcome.FAILED: FAILED,
    HangupOutcome.CANCELED: CANCELED,
}


@dataclass(frozen=True)
class CallState:
    status: str
    inbound: bool = False
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    failure_reason: str = ""
    talk_seconds: int | None = None  # the PBX's own count, when its hangup carried one
    ended_here: bool = False  # ended in pbxportal, not by the PBX (Call.ended_by)
    pbx_end_heard: bool = False  # since then, the PBX's own hangup has come

    @property
    def duration(self) -> int | None:
        """Talk time in whole seconds: the PBX's count, else from answer to hangup."""
        if self.talk_seconds is not None:
            return self.talk_seconds
        if self.answered_at and self.ended_at and self.ended_at >= self.answered_at:
            return round((self.ended_at - self.answered_at).total_seconds())
        return None


@dataclass(frozen=True)
class EventFacts:
    """What the state machine needs to know of one PBX event."""

    kind: EventKind
    at: datetime
    leg: str = ""  # "agent" | "customer" | "" (dialects without legs)
    outcome: HangupOutcome | None = None
    reason: str = ""
    talk_seconds: int | None = None


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def end_here(state: CallState, at: datetime) -> CallState:
    """The call ended in pbxportal at ``at``: completed when it was answered, else canceled
    (an inbound caller nobody answered is missed, so it gets its callback).

    An ended call is left as it is."""
    if is_terminal(state.status):
        return state
    if state.answered_at or state.status == ANSWERED:
        status = COMPLETED
    else:
        status = MISSED if state.inbound else CANCELED
    return replace(
        state, status=status, ended_at=at, failure_reason="", talk_seconds=None, ended_here=True
    )


def _our_end_unconfirmed(state: CallState) -> bool:
    return state.ended_here and not state.pbx_end_heard


def apply(state: CallState, event: EventFacts) -> CallState:
    """The state after ``event``; the same state when the event changes nothing."""
    if event.kind == EventKind.HANGUP:
        return _hangup(state, event)
    if event.kind == EventKind.ANSWER and _is_customer_answer(state, event):
        return _answer(state, event)
    target = _ringing_status(state, event)
    if target and RANK[target] > RANK[state.status]:
        return replace(state, status=target)
    return state


def _is_customer_answer(state: CallState, event: EventFacts) -> bool:
    # An outbound call is answered when the customer picks up, not the agent.
    return state.inbound or event.leg != "agent"


def _ringing_status(state: CallState, event: EventFacts) -> str | None:
    if state.inbound:
        return RINGING if event.kind in (EventKind.DIAL_IN, EventKind.DIAL_OUT) else None
    if event.kind == EventKind.DIAL_IN and event.leg != "customer":
        return AGENT_RINGING
    if event.kind == EventKind.DIAL_OUT:
        return CUSTOMER_RINGING
    if event.kind == EventKind.ANSWER:  # the agent picked up: the PBX now dials the customer
        return CUSTOMER_RINGING
    return None


def _answer(state: CallState, event: EventFacts) -> CallState:
    answered_at = min(filter(None, (state.answered_at, event.at)))
    if state.status in UNANSWERED or (state.ended_here and is_terminal(state.status)):
        # A hangup without a cause reached us first; this answer proves the call connected.
        return replace(state, status=COMPLETED, answered_at=answered_at, failure_reason="")
    if is_terminal(state.status):
        return replace(state, answered_at=answered_at) if state.status == COMPLETED else state
    return replace(state, status=ANSWERED, answered_at=answered_at)


def _hangup(state: CallState, event: EventFacts) -> CallState:
    if _our_end_unconfirmed(state):
        return _pbx_end_after_ours(state, event)
    ended_at = state.ended_at or event.at
    talk = event.talk_seconds if event.talk_seconds is not None else state.talk_seconds
    if is_terminal(state.status):
        return replace(state, ended_at=ended_at, talk_seconds=talk)
    status = _end_status(state, event)
    reason = event.reason if status not in (COMPLETED, CANCELED) else ""
    return replace(
        state, status=status, ended_at=ended_at, failure_reason=reason, talk_seconds=talk
    )


def _pbx_end_after_ours(state: CallState, event: EventFacts) -> CallState:
    """The PBX's first hangup after we ended the call: its time and talk time win, and its
    outcome corrects a call we could only guess was not answered."""
    status = _corrected_status(state, event)
    if status == COMPLETED:
        reason = ""
    elif status == state.status:  # our guess stands, with its reason
        reason = state.failure_reason
    else:
        reason = event.reason
    return replace(
        state,
        status=status,
        ended_at=event.at,
        talk_seconds=event.talk_seconds,
        failure_reason=reason,
        pbx_end_heard=True,
    )


def _corrected_status(state: CallState, event: EventFacts) -> str:
    if state.answered_at or event.outcome == HangupOutcome.COMPLETED or event.talk_seconds:
        return COMPLETED
    if event.outcome is None:
        return state.status  # a hangup that gives no cause proves nothing
    return MISSED if state.inbound else _OUTCOME_STATUS[event.outcome]


def _end_status(state: CallState, event: EventFacts) -> str:
    if state.answered_at or event.outcome == HangupOutcome.COMPLETED or event.talk_seconds:
        return COMPLETED
    if state.inbound:
        return MISSED
    if event.outcome:
        return _OUTCOME_STATUS[event.outcome]
    return NO_ANSWER
