"""Call simulation: every originate or inbound call runs its script on its own timer thread.

Outbound (click-to-call): the agent leg rings, the agent answers, the customer leg
rings, the customer answers, they talk, the call hangs up. Magic numbers (see
docs/sandbox.md) change the script. Every step is handed to ``emit``, which turns
it into the account's event dialect and delivers it.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sandbox.web import mask_mapping

MAX_ACTIVE_CALLS = 2000  # a runaway benchmark must not exhaust threads
MAX_KEPT_CALLS = 5000  # finished calls kept for the control API and VoipCenter get.php

# Magic numbers: last digits of the customer number / the agent extension.
BUSY, NO_ANSWER, DECLINE, REFUSE, HANG = "486", "408", "603", "500", "504"
AGENT_OFFLINE, AGENT_NO_ANSWER = "999", "998"

RUN = uuid.uuid4().hex[:6]  # keeps call ids unique across sandbox restarts


def customer_magic(number: str) -> str:
    """The magic suffix of a customer number, or ""."""
    digits = re.sub(r"\D", "", number)
    for magic in (BUSY, NO_ANSWER, DECLINE, REFUSE, HANG):
        if digits.endswith(magic):
            return magic
    return ""


def agent_magic(extension: str) -> str:
    """``999``/``998`` also match Telphin-style names such as ``000*999``."""
    for magic in (AGENT_OFFLINE, AGENT_NO_ANSWER):
        if extension == magic or extension.endswith("*" + magic):
            return magic
    return ""


class Hangup(Exception):
    """Someone ended the call through the API while the script was waiting."""


class Call:
    """One simulated call; mutated only by its script thread and ``request_hangup``."""

    def __init__(self, number: int, account: dict[str, Any], direction: str, **info: Any) -> None:
        self.number = number
        self.id = f"sbx-{RUN}-{number}"
        self.account = account
        self.dialect: str = account["dialect"]
        self.direction = direction
        self.info = info  # agent, customer, external_id, from, event_url, dialect extras
        self.state = "agent_ringing" if direction == "outbound" else "ringing"
        self.outcome = ""
        self.reason = ""
        self.created = time.time()
        self.legs: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.lookup: dict[str, Any] | None = None
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.agent_decided = threading.Event()
        self.finished = threading.Event()
        self.agent_outcome = ""

    @property
    def ended(self) -> bool:
        return bool(self.outcome)

    def wait(self, seconds: float) -> None:
        """Sleep for ``seconds`` unless hung up first."""
        if self.stop.wait(max(0.0, seconds)):
            raise Hangup

    def leg(self, name: str, state: str) -> None:
        with self.lock:
            leg = self.legs.setdefault(name, {"state": state})
            leg["state"] = state
            leg[f"{state}_at"] = time.time()

    def decide_agent(self, outcome: str) -> None:
        if not self.agent_decided.is_set():
            self.agent_outcome = outcome
            self.agent_decided.set()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "id": self.id,
                "number": self.number,
                "account": self.account["name"],
                "dialect": self.dialect,
                "direction": self.direction,
                "state": self.state,
                "outcome": self.outcome,
                "reason": self.reason,
                "created": self.created,
                "ended": self.legs.get("_call", {}).get("ended_at"),
                "info": dict(self.info),
                "legs": {k: dict(v) for k, v in self.legs.items()},
                "lookup": self.lookup,
                "events": mask_mapping(self.events),
            }


Emit = Callable[[Call, dict[str, Any]], None]
Timing = Callable[[dict[str, Any], str], float]
Lookup = Callable[[Call], None]


class Simulator:
    """Creates calls and runs their scripts."""

    def __init__(self, emit: Emit, timing: Timing, lookup: Lookup) -> None:
        self._emit = emit
        self._timing = timing
        self._lookup = lookup
        self._calls: OrderedDict[str, Call] = OrderedDict()
        self._lock = threading.Lock()
        self._counter = 0  # never reset, so ids stay unique for the whole run

    def active_count(self) -> int:
        with self._lock:
            return sum(1 for call in self._calls.values() if not call.ended)

    def _new(self, account: dict[str, Any], direction: str, info: dict[str, Any]) -> Call:
        with self._lock:
            self._counter += 1
            call = Call(self._counter, account, direction, **info)
            self._calls[call.id] = call
            while len(self._calls) > MAX_KEPT_CALLS:
                oldest = next(iter(self._calls.values()))
                if not oldest.ended:
                    break
                self._calls.popitem(last=False)
        return call

    def originate(self, account: dict[str, Any], **info: Any) -> Call:
        """Start an outbound call: ``agent``, ``customer``, ``external_id``, ``from``..."""
        call = self._new(account, "outbound", info)
        self._start(call, self._run_outbound)
        return call

    def inbound(self, account: dict[str, Any], **info: Any) -> Call:
        """Start an inbound call: ``customer`` (caller), ``did``, ``agent``, ``answer``."""
        call = self._new(account, "inbound", info)
        self._start(call, self._run_inbound)
        return call

    def _start(self, call: Call, script: Callable[[Call], None]) -> None:
        thread = threading.Thread(
            target=self._guard, args=(call, script), name=f"call-{call.id}", daemon=True
        )
        thread.start()

    def _guard(self, call: Call, script: Callable[[Call], None]) -> None:
        try:
            script(call)
        except Hangup:
            answered = call.state == "answered"
            self._end(call, "completed" if answered else "canceled", "Hung up through the API.")
        finally:
            call.decide_agent("canceled")
            call.finished.set()

    def get(self, call_id: str) -> Call | None:
        with self._lock:
            return self._calls.get(call_id)

    def all(self) -> list[Call]:
        with self._lock:
            return list(self._calls.values())

    def hangup(self, call_id: str) -> Call | None:
        call = self.get(call_id)
        if call is not None:
            call.stop.set()
        return call

    def reset(self) -> None:
        with self._lock:
            calls, self._calls = list(self._calls.values()), OrderedDict()
        for call in calls:
            call.stop.set()

    def _t(self, call: Call, key: str) -> float:
        return self._timing(call.account, key)

    def _event(self, call: Call, event: str, leg: str, **extra: Any) -> None:
        self._emit(call, {"event": event, "leg": leg, "time": time.time(), **extra})

    def _end(self, call: Call, outcome: str, reason: str = "", leg: str = "") -> None:
        leg = leg or ("customer" if "customer" in call.legs else "agent")
        with call.lock:
            call.state = outcome
            call.outcome = outcome
            call.reason = reason
        call.leg(leg, "ended")
        call.leg("_call", "ended")
        self._event(call, "hangup", leg, status=outcome, reason=reason)

    def _ring_agent(self, call: Call) -> bool:
        """Agent leg; False when the agent never answered (call already ended)."""
        call.leg("agent", "ringing")
        self._event(call, "dial-in", "agent")
        if agent_magic(str(call.info.get("agent", ""))) == AGENT_NO_ANSWER:
            call.wait(self._t(call, "ring_timeout"))
            call.decide_agent("no_answer")
            self._end(call, "no_answer", "The agent did not answer.", "agent")
            return False
        call.wait(self._t(call, "agent_answer_delay"))
        call.leg("agent", "answered")
        self._event(call, "answer", "agent")
        call.decide_agent("answered")
        return True

    def _run_outbound(self, call: Call) -> None:
        if not self._ring_agent(call):
            return
        with call.lock:
            call.state = "customer_ringing"
        call.leg("customer", "ringing")
        self._event(call, "dial-out", "customer")
        magic = customer_magic(str(call.info.get("customer", "")))
        if magic == NO_ANSWER:
            call.wait(self._t(call, "ring_timeout"))
            self._end(call, "no_answer", "The customer did not answer.")
            return
        call.wait(self._t(call, "customer_answer_delay"))
        if magic in (BUSY, DECLINE):
            reason = (
                "The customer's line is busy (486)."
                if magic == BUSY
                else ("The customer declined the call (603).")
            )
            self._end(call, "busy", reason)
            return
        self._talk(call, "customer")

    def _talk(self, call: Call, leg: str) -> None:
        with call.lock:
            call.state = "answered"
        call.leg(leg, "answered")
        self._event(call, "answer", leg)
        call.wait(self._t(call, "talk_time"))
        self._end(call, "completed")

    def _run_inbound(self, call: Call) -> None:
        self._lookup(call)  # While1 asks the CRM who is calling before ringing anyone
        call.leg("agent", "ringing")
        self._event(call, "dial-in", "agent")
        if not call.info.get("answer", True):
            call.wait(self._t(call, "ring_timeout"))
            self._end(call, "no_answer", "Nobody answered.", "agent")
            return
        call.wait(self._t(call, "agent_answer_delay"))
        self._talk(call, "agent")
