"""The Telphin traffic bench/webhooks.py replays: calls, their events, the delivery order
(shuffled within each call, 5% delivered twice, ~200 calls live at once) and what each
call must end as when its events are applied once, in order."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

LIVE_CALLS = 200  # calls in progress at once in the delivery order
DUPLICATE_SHARE = 0.05
START_STATUS = "agent_ringing"  # where a Telphin call is once its callback was accepted
# outcome -> share of calls; "answered" walks dial-out, answer, hangup(ANSWER)
SCENARIOS = {"answered": 65, "BUSY": 15, "NOANSWER": 12, "CANCEL": 5, "CHANUNAVAIL": 3}


@dataclass
class BenchCall:
    call_id: str
    extension: str
    number: str
    events: list[str]  # form-encoded bodies, in the order Telphin made them


def telphin_event(
    call: BenchCall,
    call_id: str,
    sub_id: str,
    kind: str,
    at_us: int,
    status: str,
    duration_us: int | None = None,
) -> str:
    fields = {
        "EventType": kind,
        "CallID": call_id,
        "SubCallID": sub_id,
        # live events write CallAPIID as <digits>-<the CallID as a dashed UUID>
        "CallAPIID": f"3584709739-{uuid.UUID(call.call_id)}",
        "CallerIDNum": call.extension,
        "CallerIDName": "Bench Agent",
        "CalledDID": "",
        "CalledNumber": call.number,
        "CallerExtension": f"{call.extension}@sipproxy.telphin.ru",
        "CallerExtensionID": "175",
        "CalledExtension": "",
        "CalledExtensionID": "",
        "CallFlow": "out",
        "CallStatus": status,
        "EventTime": str(at_us),
    }
    if duration_us is not None:
        fields["Duration"] = str(duration_us)
    return urlencode(fields)


def make_calls(count: int, rng: random.Random) -> list[BenchCall]:
    start_us = int(datetime(2025, 11, 27, 9, 0, tzinfo=UTC).timestamp() * 1_000_000)
    names, weights = zip(*SCENARIOS.items(), strict=True)
    calls = []
    for i in range(count):
        call = BenchCall(
            call_id=uuid.UUID(int=rng.getrandbits(128)).hex,  # CallID: what our Call keeps
            # its own agent: all calls start in progress, and an agent has one at a time
            extension=f"000*{100 + i}",
            number=f"+4072{i:07d}",
            events=[],
        )
        call_id, sub_id = call.call_id, f"{i:032x}"
        t = start_us + i * 50_000
        outcome = rng.choices(names, weights)[0]

        def event(kind, at, status, duration=None, c=call, a=call_id, s=sub_id):
            return telphin_event(c, a, s, kind, at, status, duration)

        if outcome != "CHANUNAVAIL":
            call.events.append(event("dial-out", t, "CALLING"))
        if outcome == "answered":
            answer = t + rng.randint(2, 20) * 1_000_000
            talk = rng.randint(5_000_000, 300_000_000)
            call.events.append(event("answer", answer, "ANSWER"))
            call.events.append(event("hangup", answer + talk, "ANSWER", talk))
        else:
            call.events.append(event("hangup", t + rng.randint(1, 30) * 1_000_000, outcome, 0))
        calls.append(call)
    return calls


def delivery_order(calls: list[BenchCall], rng: random.Random) -> list[str]:
    """Shuffled within each call, 5% twice, ~LIVE_CALLS calls interleaved."""
    pending = []
    for call in calls:
        bodies = list(call.events)
        for body in call.events:
            if rng.random() < DUPLICATE_SHARE:
                bodies.append(body)
        rng.shuffle(bodies)
        pending.append(bodies)
    order: list[str] = []
    live: list[list[str]] = []
    queue = iter(pending)
    while True:
        while len(live) < LIVE_CALLS and (nxt := next(queue, None)) is not None:
            live.append(nxt)
        if not live:
            return order
        slot = rng.randrange(len(live))
        order.append(live[slot].pop())
        if not live[slot]:
            live[slot] = live[-1]
            live.pop()


def expected_finals(calls: list[BenchCall]) -> dict[str, tuple]:
    """What each call ends as when its events are applied once, in order."""
    from calls import states
    from calls.pbx.telphin.events import normalize

    finals = {}
    for call in calls:
        state = states.CallState(status=START_STATUS)
        for body in call.events:
            event = normalize(dict(_fields(body)))
            facts = states.EventFacts(
                kind=event.kind,
                at=event.occurred_at,
                leg=event.leg,
                outcome=event.outcome,
                reason=event.reason,
                talk_seconds=event.talk_seconds,  # the PBX's talk time wins (call_moves)
            )
            state = states.apply(state, facts)
        finals[call.call_id] = (
            state.status,
            state.answered_at,
            state.ended_at,
            state.duration,
            state.failure_reason,
        )
    return finals


def _fields(body: str):
    return parse_qsl(body, keep_blank_values=True)


def warm_up_lines(token: str, count: int) -> list[tuple[str, str, str]]:
    """Events for calls that do not exist (CallIDs of another seed): exercises the whole
    path, changes no call."""
    rng = random.Random(99)
    ghost = make_calls(count, rng)
    hook = f"/hooks/telphin/{token}/"
    return [("POST", hook, body) for c in ghost for body in c.events]
