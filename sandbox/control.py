"""The control API under ``/_sandbox/``: for tests, benchmarks and people, never for adapters."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from sandbox.accounts import AccountError, public
from sandbox.web import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

_ACCOUNT = re.compile(r"/accounts/([\w.@-]+)")
_CALL = re.compile(r"/calls/([\w-]+)")
_CALL_HANGUP = re.compile(r"/calls/([\w-]+)/hangup")


def bad(status: int, message: str) -> Response:
    return json_response(status, {"error": message}, reason=message)


def handle(sbx: Sandbox, request: Request) -> Response:
    path, method = request.path.rstrip("/") or "/", request.method
    simple = {
        ("GET", "/health"): lambda: json_response(200, sbx.health()),
        ("GET", "/accounts"): lambda: json_response(200, [public(a) for a in sbx.accounts.all()]),
        ("GET", "/requests"): lambda: requests_since(sbx, request),
        ("GET", "/calls"): lambda: list_calls(sbx, request),
        ("POST", "/reset"): lambda: _reset(sbx),
        ("POST", "/inbound"): lambda: inbound(sbx, request),
    }
    if (method, path) in simple:
        return simple[(method, path)]()
    if match := _ACCOUNT.fullmatch(path):
        return account(sbx, request, match.group(1))
    if (match := _CALL_HANGUP.fullmatch(path)) and method == "POST":
        call = sbx.sim.hangup(match.group(1))
        if call is None:
            return bad(404, "no such call")
        call.finished.wait(1.0)
        return json_response(200, call.snapshot())
    if (match := _CALL.fullmatch(path)) and method == "GET":
        call = sbx.sim.get(match.group(1))
        return json_response(200, call.snapshot()) if call else bad(404, "no such call")
    return bad(404, "unknown control endpoint")


def _reset(sbx: Sandbox) -> Response:
    sbx.reset()
    return json_response(200, {"status": "reset"})


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError:
        return None


def account(sbx: Sandbox, request: Request, name: str) -> Response:
    if request.method == "PUT":
        try:
            stored = sbx.accounts.put(name, _body(request))
        except AccountError as exc:
            return bad(400, str(exc))
        return json_response(200, public(stored))
    if request.method == "DELETE":
        return json_response(200, {"deleted": sbx.accounts.delete(name)})
    if request.method == "GET":
        found = sbx.accounts.get(name)
        return json_response(200, public(found)) if found else bad(404, "no such account")
    return bad(405, "use GET, PUT or DELETE")


def _int(text: str, default: int) -> int:
    return int(text) if re.fullmatch(r"-?\d{1,18}", text or "") else default


def requests_since(sbx: Sandbox, request: Request) -> Response:
    params = dict(request.query)
    entries = sbx.requests.since(_int(params.get("since", ""), 0))
    if params.get("account"):
        entries = [e for e in entries if e["account"] == params["account"]]
    return json_response(200, entries)


def list_calls(sbx: Sandbox, request: Request) -> Response:
    """All calls, newest last; ``?account=`` and ``?external_id=`` narrow the list."""
    params = dict(request.query)
    snaps = [call.snapshot() for call in sbx.sim.all()]
    if params.get("account"):
        snaps = [s for s in snaps if s["account"] == params["account"]]
    if params.get("external_id"):
        snaps = [s for s in snaps if s["info"].get("external_id") == params["external_id"]]
    return json_response(200, snaps)


def inbound(sbx: Sandbox, request: Request) -> Response:
    """Simulate a customer calling a DID: lookup (if configured), then the call events."""
    body = _body(request)
    if not isinstance(body, dict):
        return bad(400, "send a JSON object")
    found = sbx.accounts.get(str(body.get("account", "")))
    if found is None:
        return bad(404, "no such account")
    missing = [k for k in ("from", "to", "extension") if not str(body.get(k) or "").strip()]
    if missing:
        return bad(400, "missing: " + ", ".join(missing))
    info: dict[str, Any] = {
        "customer": str(body["from"]),
        "from": str(body["from"]),
        "to": str(body["to"]),
        "agent": str(body["extension"]),
        "answer": bool(body.get("answer", True)),
        "external_id": None,
    }
    if found["dialect"] == "telphin":
        wanted = str(body["extension"])
        extension = next(
            (e for e in found["extensions"] if wanted in (e["name"], str(e["id"]))), None
        )
        if extension is None:
            return bad(404, "no such Telphin extension on this account")
        info.update(
            telphin_extension=extension,
            agent=extension["name"],
            telphin_call_id=uuid.uuid4().hex,
            call_api_id="",
        )
    call = sbx.sim.inbound(found, **info)
    return json_response(201, {"call_id": call.id})
