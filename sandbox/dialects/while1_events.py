"""While1 Voice's own "Send Events": GET query parameters to the account's ``event_url``.

Shapes from the vendor wiki (Send_Events, EN/RO); ``outgoing_end``'s parameters are not
published, so the sandbox sends what docs/vendors/while1.md assumes. Numbers go out in
national format (``0722000111``), as the wiki's examples show. Accounts with
``"events": "generic"`` keep our generic JSON events instead (sandbox/events.py).

What the sandbox sends, per simulated step:
  outbound: ``dial_answer`` with ``direction=OUT`` when the customer answers (our
            assumption, While1 documents answer events for IN only; an account with
            ``"while1_outbound_answer": false`` sends none, as a PBX that keeps to the
            documented set would); ``outgoing_end`` at the hangup, with ``disposition``,
            ``duration``, ``billsec``.
  inbound:  ``queue_answer`` when the agent answers, ``queue_answer_end`` at the hangup of
            an answered call, ``missed_calls`` when nobody answered.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.simulator import Call

DISPOSITIONS = {
    "completed": "ANSWERED",
    "busy": "BUSY",
    "no_answer": "NO ANSWER",
    "canceled": "CANCEL",
    "failed": "FAILED",
}
DEFAULT_QUEUE = "callcenter-queue"


def speaks_while1(account: dict[str, Any]) -> bool:
    return str(account.get("events") or "while1").lower() != "generic"


def uniqueid(call: Call) -> str:
    """An Asterisk-style unique id: the call's start in epoch seconds, then a sequence."""
    return f"{int(call.created)}.{call.number}"


def national(number: str, account: dict[str, Any]) -> str:
    """ "+40722000111" -> "0722000111" for the account's country (default 40, Romania)."""
    code = str(account.get("country_code") or "40")
    digits = re.sub(r"\D", "", number)
    if number.startswith("+") and digits.startswith(code):
        return "0" + digits[len(code) :]
    return "00" + digits if number.startswith("+") else number


def render(call: Call, step: dict[str, Any]) -> dict[str, str] | None:
    """The query parameters While1 sends for ``step``; None when it sends nothing."""
    if call.direction == "outbound":
        return _outbound(call, step)
    return _inbound(call, step)


def _outbound(call: Call, step: dict[str, Any]) -> dict[str, str] | None:
    account, info = call.account, call.info
    base = {
        "event": "",
        "direction": "OUT",
        "project_id": str(account.get("project_id", "")),
        "agent": str(info.get("agent", "")),
        "telephone": national(str(info.get("customer", "")), account),
        "external_id": str(info.get("external_id") or ""),
        "uniqueid": uniqueid(call),
    }
    if step["event"] == "answer" and step["leg"] == "customer":
        if not account.get("while1_outbound_answer", True):
            return None
        return {
            **base,
            "event": "dial_answer",
            "remote_number": "",
            "dnid": "",
            "dnid_identifier": "",
            "contact_id": "",
            "queue": "",
        }
    if step["event"] != "hangup":
        return None
    answered = call.legs.get("customer", {}).get("answered_at")
    return {
        **base,
        "event": "outgoing_end",
        "disposition": DISPOSITIONS.get(step["status"], "FAILED"),
        "duration": str(round(step["time"] - call.created)),
        "billsec": str(round(step["time"] - answered) if answered else 0),
    }


def _inbound(call: Call, step: dict[str, Any]) -> dict[str, str] | None:
    account, info = call.account, call.info
    lookup = (call.lookup or {}).get("body") or {}
    common = {
        "project_id": str(account.get("project_id", "")),
        "queue": str(account.get("queue") or DEFAULT_QUEUE),
        "telephone": national(str(info.get("customer", "")), account),
        "dnid": national(str(info.get("to", "")), account),
        "dnid_identifier": "",
        "contact_id": str(lookup.get("id") or "") if isinstance(lookup, dict) else "",
    }
    answered = call.legs.get("agent", {}).get("answered_at")
    if step["event"] == "answer":
        return _answer_event(call, "queue_answer", common)
    if step["event"] != "hangup":
        return None
    if answered:
        return _answer_event(call, "queue_answer_end", common)
    waited = round(step["time"] - call.created)
    return {
        "event": "missed_calls",
        "project_id": common["project_id"],
        "queue": common["queue"],
        "queue_hold_time": str(waited),
        "telephone": common["telephone"],
        "dnid": common["dnid"],
        "dnid_identifier": "",
        "contact_id": common["contact_id"],
        "fail_reason": "queue_timeout",
        "explain_reason": "",
        "uniqueid": uniqueid(call),
    }


def _answer_event(call: Call, event: str, common: dict[str, str]) -> dict[str, str]:
    # The wiki's parameter order: event, direction, project_id, agent, remote_number, ...
    return {
        "event": event,
        "direction": "IN",
        "project_id": common["project_id"],
        "agent": str(call.info.get("agent", "")),
        "remote_number": "",
        "telephone": common["telephone"],
        "dnid": common["dnid"],
        "dnid_identifier": "",
        "contact_id": common["contact_id"],
        "queue": common["queue"],
        "uniqueid": uniqueid(call),
    }
