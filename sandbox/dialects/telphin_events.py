"""Telphin's live call shapes: the ids a call carries, its event fields, its current-calls row.

As public payloads show them (webasyst/crm plugins/telphin, xdimedrolx/telphin-go-sdk test
data): the callback answers ``{"call_api_id": H, "call_id": H}`` with H plain 32-hex; every
event of that call carries ``CallID=H``, ``SubCallID=<extension id>-<hex>``,
``CallAPIID=<digits>-<H as a dashed UUID>``; ``EventTime`` and hangup ``Duration`` are in
microseconds; ``CallStatus`` is CALLING on dial-in/dial-out, ANSWER on answer.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.simulator import Call

NODE = "3584709739"  # the digits before the dashed UUID in CallAPIID (one per platform node)
TELPHIN_STATUS = {
    "completed": "ANSWER",
    "no_answer": "NOANSWER",
    "busy": "BUSY",
    "canceled": "CANCEL",
    "failed": "CHANUNAVAIL",
}


def call_api_id(call_id: str) -> str:
    """``b5187f38…`` -> ``3584709739-b5187f38-a9cc-43f2-ba06-8bce983a513e``."""
    return f"{NODE}-{uuid.UUID(call_id)}"


def sub_call_id(call: Call, leg: str) -> str:
    """One id per leg, prefixed by the extension id; the customer leg of a callback reuses
    the call's own hex, as in the public dial-out sample."""
    ext_id = (call.info.get("telphin_extension") or {}).get("id", "")
    call_id = call.info["telphin_call_id"]
    if call.direction == "outbound" and leg == "customer":
        return f"{ext_id}-{call_id}"
    return f"{ext_id}-{hashlib.sha256(f'{call_id}:{leg}'.encode()).hexdigest()[:32]}"


def _parties(call: Call) -> dict[str, str]:
    info, ext = call.info, call.info.get("telphin_extension") or {}
    if call.direction == "outbound":
        return {
            "CallerIDNum": info.get("caller_id_number") or ext.get("name", ""),
            "CalledDID": "",
            "CalledNumber": info.get("customer", ""),
            "CallerExtension": f"{ext.get('name', '')}@sipproxy.telphin.ru",
            "CallerExtensionID": str(ext.get("id", "")),
            "CalledExtension": "",
            "CalledExtensionID": "",
            "CallFlow": "out",
            "RemoteNumber": info.get("customer", ""),
        }
    return {
        "CallerIDNum": info.get("customer", ""),
        "CalledDID": info.get("to", ""),
        "CalledNumber": ext.get("name", ""),
        "CallerExtension": "",
        "CallerExtensionID": "",
        "CalledExtension": f"{ext.get('name', '')}@sipproxy.telphin.ru",
        "CalledExtensionID": str(ext.get("id", "")),
        "CallFlow": "in",
        "RemoteNumber": info.get("customer", ""),
    }


def render_telphin(call: Call, step: dict[str, Any]) -> dict[str, str]:
    """One event of ``call`` as Telphin posts it (form fields, all strings)."""
    call_id = call.info["telphin_call_id"]
    fields = {
        "EventType": step["event"],
        "CallID": call_id,
        "SubCallID": sub_call_id(call, step["leg"]),
        "CallAPIID": call_api_id(call_id),
        "CallerIDName": call.info.get("caller_id_name", ""),
        **_parties(call),
        "EventTime": str(int(step["time"] * 1_000_000)),
        "CallStatus": "CALLING",
    }
    if call.info.get("callback_id"):
        fields["CallBackID"] = str(call.info["callback_id"])
    if step["event"] == "answer":
        fields["CallStatus"] = "ANSWER"
    if step["event"] == "hangup":
        fields["CallStatus"] = TELPHIN_STATUS.get(step["status"], "CONGESTION")
        answered = call.legs.get(step["leg"], {}).get("answered_at")
        fields["Duration"] = str(int((step["time"] - answered) * 1_000_000) if answered else 0)
    return fields


def _gmt(ts: float | None) -> str | None:
    if not ts:
        return None
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 10_000:02d}"


def current_call_row(call: Call) -> dict[str, Any]:
    """``/extension/{id}/current_calls/`` row, in the shape Telphin's CRM plugin records."""
    parties = _parties(call)
    answered = max((leg.get("answered_at") or 0 for leg in call.legs.values()), default=0)
    return {
        "call_api_id": call_api_id(call.info["telphin_call_id"]),
        "call_flow": parties["CallFlow"].upper(),
        "called_number": parties["CalledNumber"],
        "called_did": parties["CalledDID"] or None,
        "caller_id_number": parties["CallerIDNum"],
        "caller_id_name": call.info.get("caller_id_name") or parties["CallerIDNum"],
        "extension_id": (call.info.get("telphin_extension") or {}).get("id"),
        "callback_id": call.info.get("callback_id") or None,
        "init_time_gmt": _gmt(call.created),
        "answer_time_gmt": _gmt(answered or None),
        "record_uuid": None,
    }
