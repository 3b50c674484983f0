"""Through the database: any delivery order, with repeats, leaves a call as the in-order one.

The pure state machine has this property (test_states.py); this checks that apply_event
keeps it once rows, dedupe keys and locks are involved.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.events.call_moves import apply_event
from calls.models import Call, CallEvent
from calls.pbx.base import Direction, EventKind, HangupOutcome, NormalizedEvent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
_calls = itertools.count(1)


def event(kind, seconds, leg="", outcome=None, reason="", key=""):
    return NormalizedEvent(
        kind=kind,
        dedupe_key=key or f"{kind.value}-{leg}-{seconds}",
        direction=Direction.OUTBOUND,
        occurred_at=T0 + timedelta(seconds=seconds),
        leg=leg,
        outcome=outcome,
        reason=reason,
        raw={"at": seconds},
    )


ANSWERED = [
    event(EventKind.DIAL_IN, 0, "agent"),
    event(EventKind.ANSWER, 2, "agent"),
    event(EventKind.DIAL_OUT, 2.1, "customer"),
    event(EventKind.ANSWER, 5, "customer"),
    event(EventKind.HANGUP, 65, outcome=HangupOutcome.COMPLETED),
]
SCENARIOS = [
    ANSWERED,
    [*ANSWERED[:3], event(EventKind.HANGUP, 30, outcome=HangupOutcome.BUSY, reason="busy")],
    [*ANSWERED[:4], event(EventKind.HANGUP, 40)],  # a hangup that gives no cause
    [ANSWERED[2], event(EventKind.HANGUP, 9, outcome=HangupOutcome.NO_ANSWER, reason="no")],
]
FIELDS = ("status", "answered_at", "ended_at", "duration", "failure_reason")


def deliver(agent, events) -> dict:
    """A fresh call gets ``events`` through apply_event; its final row as a dict."""
    n = next(_calls)
    call = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status="originating",
        vendor_call_id=f"vc-{n}",
    )
    for e in events:
        # Keys and the call id are per call, as a PBX makes them.
        e = NormalizedEvent(
            **{
                **e.__dict__,
                "vendor_call_id": call.vendor_call_id,
                "dedupe_key": f"{n}:{e.dedupe_key}",
            }
        )
        apply_event(project=agent.project, vendor="generic", event=e)
    return Call.objects.filter(pk=call.pk).values("id", *FIELDS).get()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scenario=st.sampled_from(SCENARIOS), data=st.data())
def test_any_order_with_repeats_gives_the_in_order_row(agent, scenario, data):
    repeated = scenario + data.draw(st.lists(st.sampled_from(scenario), max_size=6))
    shuffled = data.draw(st.permutations(repeated))
    got, want = deliver(agent, shuffled), deliver(agent, scenario)
    assert {k: got[k] for k in FIELDS} == {k: want[k] for k in FIELDS}


def test_a_repeat_is_stored_once_and_linked_to_its_call(agent):
    row = deliver(agent, [ANSWERED[2], ANSWERED[2], ANSWERED[2]])
    assert row["status"] == "customer_ringing"
    assert CallEvent.objects.filter(call_id=row["id"]).count() == 1
