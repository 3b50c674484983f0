"""The sandbox's own dialect (vendor "sandbox"): JSON in, JSON out, Bearer api_token.

Errors are ``{"error": "<slug>", "message": "<sentence>"}`` with a fitting HTTP status.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox import simulator
from sandbox.web import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

_HANGUP = re.compile(r"/calls/([\w-]+)/hangup")
_CALL = re.compile(r"/calls/([\w-]+)")
_NUMBER = re.compile(r"\+?\d{3,20}")


def problem(status: int, slug: str, message: str, account: str = "") -> Response:
    return json_response(
        status, {"error": slug, "message": message}, reason=f"{status} {message}", account=account
    )


def handle(sbx: Sandbox, request: Request) -> Response:
    account = sbx.accounts.find("sandbox", "api_token", request.bearer())
    if account is None:
        return problem(401, "unauthorized", "Send Authorization: Bearer <api_token>.")
    name, path = account["name"], request.path.rstrip("/")
    if path == "/whoami" and request.method == "GET":
        return json_response(200, {"account": name, "dialect": "sandbox"}, account=name)
    if path == "/originate" and request.method == "POST":
        return originate(sbx, account, request)
    match = _HANGUP.fullmatch(path)
    if match and request.method == "POST":
        return hangup(sbx, account, match.group(1))
    match = _CALL.fullmatch(path)
    if match and request.method == "GET":
        call = sbx.sim.get(match.group(1))
        if call is None or call.account["name"] != name:
            return problem(404, "not_found", "No such call.", name)
        snap = call.snapshot()
        keys = ("id", "state", "outcome", "reason", "legs", "created", "ended")
        return json_response(200, {k: snap[k] for k in keys}, account=name)
    return problem(404, "not_found", "Unknown endpoint.", name)


def _fields(body: Any) -> str:
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    for key in ("external_id", "number", "extension"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            return f"{key} is required."
    if not _NUMBER.fullmatch(body["number"]):
        return "number must be digits, optionally with a leading +."
    url = body.get("event_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return "event_url must be an http(s) URL."
    return ""


def originate(sbx: Sandbox, account: dict, request: Request) -> Response:
    name = account["name"]
    try:
        body = request.json()
    except ValueError:
        body = None
    message = _fields(body)
    if message:
        return problem(400, "invalid", message, name)
    magic = simulator.customer_magic(body["number"])
    if simulator.agent_magic(body["extension"]) == simulator.AGENT_OFFLINE:
        return problem(409, "agent_offline", "User is not online.", name)
    if magic == simulator.REFUSE:
        return problem(502, "originate_failed", "The outbound trunk refused the call.", name)
    if sbx.sim.active_count() >= simulator.MAX_ACTIVE_CALLS:
        return problem(503, "busy", "Too many calls in progress.", name)
    if magic == simulator.HANG:
        sbx.hang(account)
        return problem(504, "timeout", "Gateway timeout.", name)
    call = sbx.sim.originate(
        account,
        agent=body["extension"],
        customer=body["number"],
        to=body["number"],
        external_id=body["external_id"],
        event_url=body.get("event_url") or "",
        caller_name=str(body.get("caller_name") or ""),
        **{"from": str(account.get("outbound_number") or body["extension"])},
    )
    return json_response(201, {"call_id": call.id, "state": call.state}, account=name)


def hangup(sbx: Sandbox, account: dict, call_id: str) -> Response:
    """End a call; idempotent: an ended call answers 200 with its final state."""
    call = sbx.sim.get(call_id)
    if call is None or call.account["name"] != account["name"]:
        return problem(404, "not_found", "No such call.", account["name"])
    sbx.sim.hangup(call_id)
    call.finished.wait(1.0)  # the script thread ends the call; answer with its final state
    return json_response(200, {"call_id": call.id, "state": call.state}, account=account["name"])
