"""Telphin: OAuth client credentials, paged extensions, callback, event subscriptions and
current calls (telphin-extension-events; live shapes in sandbox/dialects/telphin_events.py).

Callback caller ids, as Telphin's callback page defines them: ``src_caller_id_name`` /
``src_caller_id_number`` are what the ``src_num`` phone (the agent's, rung first)
shows; ``caller_id_name`` / ``caller_id_number`` are what the ``dst_num`` party (the
customer) sees, so only those appear as CallerIDName/CallerIDNum in the events.

API errors are JSON ``{"status": <http code>, "error": "<slug>", "message": "..."}``.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox import simulator
from sandbox.dialects.telphin_events import call_api_id, current_call_row
from sandbox.web import Request, Response, empty_response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

API = "/api/ver1.0"
EVENT_TYPES = ("dial-in", "dial-out", "answer", "hangup", "message-in", "message-out")
_EVENT_PATH = re.compile(r"/extension/(\d+)/event(?:/(\d+))?")
_CALLBACK_PATH = re.compile(r"/extension/(\d+)/callback")
_CURRENT_PATH = re.compile(r"/extension/(\d+)/current_calls(?:/([\w-]+))?")
CALLER_ID_FIELDS = (
    "caller_id_name",
    "caller_id_number",
    "src_caller_id_name",
    "src_caller_id_number",
)


def api_error(status: int, slug: str, message: str, account: str = "") -> Response:
    body = {"status": status, "error": slug, "message": message}
    return json_response(status, body, reason=f"{status} {message}", account=account)


class TelphinState:
    """Access tokens and event subscriptions, in memory."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock  # seconds; tests pass their own to let a token expire
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (account name, expiry)
        self.subs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.next_id = 1

    def issue(self, account: str, ttl: float) -> str:
        token = secrets.token_urlsafe(24)
        now = self.clock()
        with self.lock:
            # Drop expired tokens so a long benchmark cannot grow this without bound.
            self.tokens = {t: v for t, v in self.tokens.items() if v[1] > now}
            self.tokens[token] = (account, now + ttl)
        return token

    def account_for(self, token: str) -> tuple[str, str]:
        """(account name, "") or ("", why the token is refused)."""
        with self.lock:
            entry = self.tokens.get(token)
        if entry is None:
            return "", "Invalid access token"
        if entry[1] <= self.clock():
            return "", "Access token expired"
        return entry[0], ""

    def targets(self, account: str, extension_id: int, event_type: str) -> list[dict]:
        with self.lock:
            subs = self.subs.get((account, extension_id), [])
            return [dict(s) for s in subs if s["event_type"] == event_type]

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.subs.clear()


def registered_webhook(account: dict, event_type: str) -> list[dict]:
    """The subscription an admin registered before the sandbox last started: the real
    Telphin keeps them, this sandbox keeps its own in memory only (the demo's config)."""
    url = account.get("registered_webhook")
    return [{"url": url, "method": "POST", "event_type": event_type}] if url else []


def handle(sbx: Sandbox, request: Request) -> Response:
    path = request.path.rstrip("/")
    if path == "/oauth/token":
        return token(sbx, request)
    if not path.startswith(API + "/"):
        return api_error(404, "not_found", "Unknown resource")
    given = request.bearer()
    if not given:
        return api_error(401, "invalid_token", "Authorization: Bearer <access_token> required")
    name, why = sbx.telphin.account_for(given)
    account = sbx.accounts.get(name) if name else None
    if account is None:
        return api_error(401, "invalid_token", why or "Account no longer exists")
    return route(sbx, account, request, path[len(API) :])


def route(sbx: Sandbox, account: dict, request: Request, path: str) -> Response:
    if path == "/client/@me/extension" and request.method == "GET":
        return extension_page(account, request)
    current = _CURRENT_PATH.fullmatch(path)
    if current:
        return current_calls(sbx, account, int(current.group(1)), current.group(2), request)
    callback = _CALLBACK_PATH.fullmatch(path)
    if callback and request.method == "POST":
        return originate(sbx, account, int(callback.group(1)), request)
    events = _EVENT_PATH.fullmatch(path)
    if events:
        extension = find_extension(account, int(events.group(1)))
        if extension is None:
            return api_error(404, "not_found", "Extension not found", account["name"])
        sub_id = int(events.group(2)) if events.group(2) else None
        return subscriptions(sbx, account, extension["id"], sub_id, request)
    return api_error(404, "not_found", "Unknown resource", account["name"])


def _client_credentials(request: Request) -> tuple[str, str, str]:
    """grant_type, client_id, client_secret from the form body or HTTP Basic auth."""
    form = dict(request.form()) if request.body else {}
    form.update({k: v for k, v in request.query if k not in form})
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, value = request.header("authorization").partition(" ")
    if scheme.lower() == "basic" and not client_id:
        try:
            decoded = base64.b64decode(value).decode()
        except ValueError:
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        client_id, secret = urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
    return form.get("grant_type", ""), client_id, secret


def token(sbx: Sandbox, request: Request) -> Response:
    if request.method != "POST":
        return api_error(405, "method_not_allowed", "POST the token request")
    grant, client_id, secret = _client_credentials(request)
    if grant != "client_credentials":
        return api_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    account = sbx.accounts.find("telphin", "client_id", client_id)
    stored = str((account or {}).get("client_secret") or "")
    if account is None or not secrets.compare_digest(stored.encode(), secret.encode()):
        return api_error(401, "invalid_client", "Unknown client_id or wrong client_secret")
    ttl = sbx.accounts.timing(account, "token_ttl")
    access = sbx.telphin.issue(account["name"], ttl)
    body = {"access_token": access, "token_type": "bearer", "expires_in": int(ttl), "scope": "all"}
    return json_response(200, body, account=account["name"])


def find_extension(account: dict, extension_id: int) -> dict | None:
    return next((e for e in account["extensions"] if e["id"] == extension_id), None)


def _callback_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "The body must be a JSON object"
    src = body.get("src_num")
    if not isinstance(src, list) or not src or not all(isinstance(s, str) and s for s in src):
        return "src_num must be a non-empty list of numbers"
    if not isinstance(body.get("dst_num"), str) or not body["dst_num"]:
        return "dst_num is required"
    for name in CALLER_ID_FIELDS:
        if name in body and not isinstance(body[name], str):
            return f"{name} must be a string"
    return ""


def originate(sbx: Sandbox, account: dict, extension_id: int, request: Request) -> Response:
    name = account["name"]
    extension = find_extension(account, extension_id)
    if extension is None:
        return api_error(404, "not_found", "Extension not found", name)
    try:
        body = request.json()
    except ValueError:
        body = None
    problem = _callback_problem(body)
    if problem:
        return api_error(400, "bad_request", problem, name)
    agent, customer = body["src_num"][0], body["dst_num"]
    magic = simulator.customer_magic(customer)
    if simulator.agent_magic(agent) == simulator.AGENT_OFFLINE:
        return api_error(400, "bad_request", "Extension is not registered", name)
    if magic == simulator.REFUSE or sbx.sim.active_count() >= simulator.MAX_ACTIVE_CALLS:
        return api_error(503, "callback_failed", "Could not originate the call", name)
    if magic == simulator.HANG:
        sbx.hang(account)
        return api_error(504, "timeout", "Gateway timeout", name)
    call_id = uuid.uuid4().hex
    sbx.sim.originate(
        account,
        agent=agent,
        customer=customer,
        external_id=None,
        to=customer,
        **{"from": body.get("caller_id_number") or agent},
        call_api_id=call_api_id(call_id),
        telphin_call_id=call_id,
        callback_id=secrets.randbelow(10**8) + 1,
        telphin_extension=extension,
        **{name: str(body.get(name) or "") for name in CALLER_ID_FIELDS},
    )
    # As recorded by a public SDK: both names, the same plain hex.
    return json_response(201, {"call_api_id": call_id, "call_id": call_id}, account=name)


def _subscription(body: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(body, dict):
        return {}, "The body must be a JSON object"
    url, method, event_type = body.get("url"), body.get("method", "POST"), body.get("event_type")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return {}, "url must be an http(s) URL"
    if not isinstance(method, str) or method.upper() not in ("GET", "POST"):
        return {}, "method must be GET or POST"
    if event_type not in EVENT_TYPES:
        return {}, f"event_type must be one of {', '.join(EVENT_TYPES)}"
    return {"url": url, "method": method.upper(), "event_type": event_type}, ""


def subscriptions(
    sbx: Sandbox, account: dict, extension_id: int, sub_id: int | None, request: Request
) -> Response:
    """POST/GET/DELETE on the list, GET/PUT/DELETE on one subscription."""
    name, state, key = account["name"], sbx.telphin, (account["name"], extension_id)
    with state.lock:
        subs = state.subs.setdefault(key, [])
        found = next((s for s in subs if s["id"] == sub_id), None)
        if sub_id is not None and found is None:
            return api_error(404, "not_found", "Event not found", name)
        if request.method == "GET":
            return json_response(
                200, dict(found) if found else [dict(s) for s in subs], account=name
            )
        if request.method == "DELETE":
            subs[:] = [s for s in subs if found is not None and s is not found]
            return empty_response(204, account=name)
        if (request.method, sub_id is None) not in (("POST", True), ("PUT", False)):
            return api_error(405, "method_not_allowed", "Method not allowed", name)
        try:
            merged = {**(found or {}), **request.json()}
        except (ValueError, TypeError):
            merged = None
        sub, problem = _subscription(merged)
        if problem:
            return api_error(400, "bad_request", problem, name)
        if found is not None:
            found.update(sub)
            return json_response(200, dict(found), account=name)
        sub["id"] = state.next_id
        state.next_id += 1
        subs.append(sub)
        return json_response(201, dict(sub), account=name)


def extension_page(account: dict, request: Request) -> Response:
    """``?type=&status=&per_page=&page=``; no per_page means every extension at once."""
    query = dict(request.query)
    rows = [{"type": "phone", "status": "active", **e} for e in account["extensions"]]
    for key in ("type", "status"):
        rows = [r for r in rows if not query.get(key) or r[key] == query[key]]
    try:
        size, page = int(query.get("per_page") or 0), max(int(query.get("page") or 1), 1)
    except ValueError:
        return api_error(400, "bad_request", "per_page and page must be numbers", account["name"])
    if size > 0:
        rows = rows[(page - 1) * size : page * size]
    return json_response(200, rows, account=account["name"])


def current_calls(
    sbx: Sandbox, account: dict, extension_id: int, wanted: str | None, request: Request
) -> Response:
    """GET lists the extension's calls in progress; DELETE ``<call_api_id>`` ends one."""
    name = account["name"]
    if find_extension(account, extension_id) is None:
        return api_error(404, "not_found", "Extension not found", name)
    live = [
        c
        for c in sbx.sim.all()
        if c.account["name"] == name
        and not c.ended
        and c.dialect == "telphin"
        and (c.info.get("telphin_extension") or {}).get("id") == extension_id
    ]
    if wanted is None and request.method == "GET":
        return json_response(200, {"call_list": [current_call_row(c) for c in live]}, account=name)
    found = next((c for c in live if current_call_row(c)["call_api_id"] == wanted), None)
    if wanted is None or request.method != "DELETE":
        return api_error(405, "method_not_allowed", "Method not allowed", name)
    if found is None:
        return api_error(404, "not_found", "Call not found", name)
    sbx.sim.hangup(found.id)
    return empty_response(204, account=name)
