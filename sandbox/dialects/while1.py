"""While1 Voice: ``/api/originate-call`` (docs: while1-originate-call, while1-api-overview)
and the read-only ``/api/users-status`` (wiki API_-_Users_status).

Checks, in order: Bearer token (or the deprecated api_username/api_password), the
optional ``api_hash`` = md5(http_build_query(params without api_hash) . api_key),
the mandatory fields, then originates. Replies are HTTP 200 with ``has_error``: the
vendor's own curlPost helper drops the body of any other status, so errors must
travel in the body.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from sandbox import simulator
from sandbox.phpquery import http_build_query, parse_str
from sandbox.web import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

MANDATORY = ("project_id", "caller_id", "caller_id_name", "type", "destination", "external_id")
TYPES = ("user", "queue", "context")
DEPRECATED = (
    "API Username and Password are deprecated. Please use 'Authorization: Bearer $token' header"
)
HOLD_MARGIN = 5.0  # async=0 waits this much past the ring timeout before giving up


def error(messages: list[str], reason: str = "", account: str = "") -> Response:
    body = {"has_error": True, "messages": messages, "pagination": [], "results": []}
    return json_response(200, body, reason=reason or "; ".join(messages), account=account)


def success(result: str, warnings: list[str], account: str) -> Response:
    body: dict[str, Any] = {"has_error": False, "messages": [], "results": [result]}
    if warnings:
        body["warnings"] = warnings
    return json_response(200, body, account=account)


def read_params(request: Request) -> dict[Any, Any] | None:
    """Parameters as PHP would see them: JSON body, form body, or the query string."""
    if request.method == "POST" and request.is_json():
        try:
            data = request.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    if request.method == "POST":
        return parse_str(request.form())
    return parse_str(request.query)


def authenticate(sbx: Sandbox, request: Request, params: dict) -> tuple[dict | None, list[str]]:
    """The account and any deprecation warnings; (None, []) when nothing matches."""
    token = request.bearer()
    if token:
        return sbx.accounts.find("while1", "api_token", token), []
    account = sbx.accounts.find("while1", "api_username", str(params.get("api_username") or ""))
    password = str(params.get("api_password") or "")
    stored = str((account or {}).get("api_password") or "")
    if account and stored and hmac.compare_digest(stored.encode(), password.encode()):
        return account, [DEPRECATED]
    return None, []


def hash_ok(params: dict, api_key: str) -> bool:
    """Recompute While1's hash over the received parameters, in received order."""
    given = params.get("api_hash")
    if not isinstance(given, str):
        return False
    unsigned = {k: v for k, v in params.items() if k != "api_hash"}
    expected = hashlib.md5((http_build_query(unsigned) + api_key).encode()).hexdigest()
    return hmac.compare_digest(expected, given.lower())


def check_data(account: dict, data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [f"Missing mandatory parameter: {name}" for name in MANDATORY]
    project = account.get("project_id")
    # The project is checked first: it selects everything else on the PBX, and a
    # "test connection" request that sends only project_id learns whether it exists.
    if project is not None and data.get("project_id") not in (None, ""):
        if str(data["project_id"]) != str(project):
            return ["Invalid Project. Check if pbx project exists"]
    missing = [n for n in MANDATORY if data.get(n) is None or str(data.get(n)).strip() == ""]
    if missing:
        return [f"Missing mandatory parameter: {name}" for name in missing]
    if data["type"] not in TYPES:
        return ["Invalid type. Allowed types: user, queue, context"]
    names = [e["name"] for e in account.get("extensions") or []]
    if data["type"] == "user" and names and str(data["destination"]) not in names:
        return ["Invalid User. Check if pbx user exists"]
    return []


def handle(sbx: Sandbox, request: Request) -> Response:
    path = request.path.rstrip("/")
    if path not in ("/api/originate-call", "/api/users-status"):
        return json_response(
            404,
            {"has_error": True, "messages": ["Unknown endpoint"], "pagination": [], "results": []},
            reason="unknown endpoint",
        )
    if request.method not in ("GET", "POST"):
        return error(["Method not allowed"])
    params = read_params(request)
    if params is None:
        return error(["Invalid JSON body"])
    account, warnings = authenticate(sbx, request, params)
    if account is None:
        return error(["Token does not match"])
    name = account["name"]
    if account.get("api_key") and not hash_ok(params, str(account["api_key"])):
        return error(["Hash does not match"], account=name)
    if path == "/api/users-status":
        return users_status(sbx, account, params, warnings)
    data = params.get("data")
    problems = check_data(account, data)
    if problems:
        return error(problems, account=name)
    return originate(sbx, account, data, warnings)


def _refusal(sbx: Sandbox, account: dict, data: dict) -> str:
    """Why the PBX refuses this originate up front, or "" (magic numbers)."""
    agent = str(data["destination"])
    if data["type"] == "user" and simulator.agent_magic(agent) == simulator.AGENT_OFFLINE:
        return "User is not online"
    magic = simulator.customer_magic(str(data["caller_id"]))
    if magic == simulator.REFUSE:
        return "Call could not be originated: the outbound trunk refused the call"
    if sbx.sim.active_count() >= simulator.MAX_ACTIVE_CALLS:
        return "Too many calls in progress"
    return ""


def originate(sbx: Sandbox, account: dict, data: dict, warnings: list[str]) -> Response:
    name = account["name"]
    refusal = _refusal(sbx, account, data)
    if refusal:
        return error([refusal], account=name)
    if simulator.customer_magic(str(data["caller_id"])) == simulator.HANG:
        sbx.hang(account)
        return error(
            ["Gateway timeout"], reason="magic 504: held past client timeouts", account=name
        )
    call = sbx.sim.originate(
        account,
        agent=str(data["destination"]),
        customer=str(data["caller_id"]),
        external_id=str(data["external_id"]),
        to=str(data["caller_id"]),
        **{"from": str(data.get("outbound_number") or data["destination"])},
        caller_name=str(data["caller_id_name"]),
        destination_type=data["type"],
    )
    result = f"Call successfully originated for {data['type']}: {data['destination']}"
    if str(data.get("async", 1)).strip().lower() not in ("0", "false", ""):
        return success(result, warnings, name)
    hold = sbx.accounts.timing(account, "ring_timeout") + HOLD_MARGIN
    hold += sbx.accounts.timing(account, "agent_answer_delay")
    call.agent_decided.wait(hold)
    outcome = call.agent_outcome or "timeout"
    if outcome == "answered":
        return success(result, warnings, name)
    message = {"no_answer": "User did not answer", "canceled": "Call was canceled"}.get(
        outcome, "Timeout waiting for the user to answer"
    )
    return error([message], account=name)


def users_status(sbx: Sandbox, account: dict, params: dict, warnings: list[str]) -> Response:
    """Every extension of the account, in the wiki's shape. Magic agent 999 and the
    account's ``phones_offline`` never registered (status UNKNOWN, no ip); the others
    answer Asterisk's qualify ("OK (12 ms)")."""
    peer_type = str(params.get("type") or "")
    if peer_type not in ("sip", "iax"):
        return error([f"Invalid type: {peer_type}"], account=account["name"])
    offline = {str(name) for name in account.get("phones_offline") or []}
    busy = {
        str(c.info.get("agent"))
        for c in sbx.sim.all()
        if not c.ended and c.account["name"] == account["name"]
    }
    results = {}
    for extension in account.get("extensions") or []:
        name = extension["name"]
        down = name in offline or simulator.agent_magic(name) == simulator.AGENT_OFFLINE
        results[name] = {
            "username": name,
            "in_use": "1" if name in busy else "0",
            "ringing": "0",
            "on_hold": "0",
            "limit": "1",
            "status": "UNKNOWN" if down else "OK (12 ms)",
            "ip": "" if down else "127.0.0.1",
            "dnd_time": None,
        }
    body: dict[str, Any] = {"has_error": False, "messages": [], "results": results}
    if warnings:
        body["warnings"] = warnings
    return json_response(200, body, account=account["name"])
