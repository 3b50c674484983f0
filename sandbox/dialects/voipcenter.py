"""VoipCenter: ``/api/call.php``, ``/api/get.php``, ``/api/update.php`` (voipcenter-api.nl).

Every request carries ``pwd = sha256(md5(password))`` and ``pass`` = HMAC-SHA256 with
the private key over "name" + "value" pairs in a fixed order, and ``ts`` within 5 s.
The document gives no order for update.php (its example repeats call.php's); the
sandbox uses UPDATE_HASH_FIELDS, documented in docs/sandbox.md.

The document shows no reply either. Replies follow what the public clients that ran
against the live API read (docs/sandbox.md, "VoipCenter replies"): call.php and
update.php answer ``{"head": {...}, "body": {...}}`` with ``status`` "1"/"0",
``error_number`` and ``error_message`` in each part; get.php answers the data itself,
a list as ``{"id_<n>": {...}}`` and one item as its fields; errors come as head/body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from sandbox import simulator
from sandbox.dialects import voipcenter_data as vdata
from sandbox.web import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

CALL_HASH_FIELDS = ("apiID", "knummer", "pwd", "sipacc", "telnr", "f", "ts")
GET_HASH_FIELDS = ("apiID", "knummer", "pwd", "m", "id", "f", "ts")
UPDATE_HASH_FIELDS = ("apiID", "knummer", "pwd", "m", "id", "p", "f", "ts")
HASH_FIELDS = {
    "call.php": CALL_HASH_FIELDS,
    "get.php": GET_HASH_FIELDS,
    "update.php": UPDATE_HASH_FIELDS,
}
TS_WINDOW = 5
MAX_BAD_ATTEMPTS = 5  # failed authentications per apiID per minute before code 13
BAD_WINDOW = 60.0

ERRORS = {
    10: ("head", "Missing parameters"),
    11: ("head", "Timestamp mismatch"),
    12: ("head", "Wrong format"),
    13: ("head", "Too many attempts"),
    14: ("head", "Incorrect hash"),
    15: ("head", "User password incorrect"),
    16: ("head", "API user not allowed"),
    17: ("head", "Param not correct"),
    1: ("body", "Could not connect to server"),
    2: ("body", "Incorrect ID"),
    20: ("body", "Call Auth failed"),
    21: ("body", "Call Leg failed"),
    25: ("body", "Incorrect Login"),
}


class Failure(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


class Attempts:
    """Failed authentications per apiID in a sliding minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bad: dict[str, deque[float]] = {}

    def blocked(self, api_id: str, now: float) -> bool:
        with self._lock:
            seen = self._bad.get(api_id, deque())
            while seen and now - seen[0] > BAD_WINDOW:
                seen.popleft()
            return len(seen) >= MAX_BAD_ATTEMPTS

    def fail(self, api_id: str, now: float) -> None:
        with self._lock:
            self._bad.setdefault(api_id, deque(maxlen=MAX_BAD_ATTEMPTS * 4)).append(now)

    def reset(self) -> None:
        with self._lock:
            self._bad.clear()


# One part of a head/body reply that reports no error, as PHP's json_encode writes it.
OK_PART = {"status": "1", "error_number": "", "error_message": ""}


def envelope() -> dict[str, Any]:
    """A successful call.php/update.php reply: nothing but two OK parts."""
    return {"head": dict(OK_PART), "body": dict(OK_PART)}


def reply(fmt: str, data: Any, *, reason: str = "", account: str = "") -> Response:
    if fmt == "xml":
        response = Response(200, vdata.to_xml(data), content_type="application/xml")
        response.verdict, response.reason = ("refused" if reason else "ok"), reason
        response.account = account
        return response
    return json_response(200, data, reason=reason, account=account)


def failure_reply(fmt: str, failure: Failure, account: str = "") -> Response:
    part, message = ERRORS[failure.code]
    bad = {"status": "0", "error_number": str(failure.code), "error_message": message}
    if failure.detail:
        bad["detail"] = failure.detail  # the sandbox's own hint; the vendor has none
    # A head error means the request was refused before the action ran: no body.
    data = {"head": bad, "body": {}} if part == "head" else {"head": dict(OK_PART), "body": bad}
    return reply(fmt, data, reason=f"{failure.code} {message}", account=account)


def handle(sbx: Sandbox, request: Request) -> Response:
    endpoint = request.path.rsplit("/", 1)[-1]
    if not request.path.startswith("/api/") or endpoint not in HASH_FIELDS:
        return json_response(
            404, {"status": "error", "code": 404, "message": "Not found"}, reason="unknown endpoint"
        )
    params = request.params()
    fmt = params.get("f", "")
    fmt = fmt if fmt in ("json", "xml") else "json"  # errors about f itself come as JSON
    account: dict | None = None
    try:
        account = authenticate(sbx, params, HASH_FIELDS[endpoint])
        data = ACTIONS[endpoint](sbx, account, params)
    except Failure as failure:
        return failure_reply(fmt, failure, (account or {}).get("name", ""))
    return reply(fmt, data, account=account["name"])


def authenticate(sbx: Sandbox, params: dict[str, str], fields: tuple[str, ...]) -> dict:
    missing = [name for name in fields if params.get(name, "") == ""]
    if missing or not params.get("pass"):
        raise Failure(10, "missing: " + ", ".join(missing or ["pass"]))
    if params["f"] not in ("json", "xml"):
        raise Failure(12, "the sandbox answers f=json or f=xml (no serialized PHP)")
    account = sbx.accounts.find("voipcenter", "api_id", params["apiID"])
    if account is None or str(account.get("customer_number")) != params["knummer"]:
        raise Failure(16)
    now = time.time()
    if sbx.voipcenter_attempts.blocked(params["apiID"], now):
        raise Failure(13)
    if not re.fullmatch(r"\d{1,12}", params["ts"]) or abs(now - int(params["ts"])) > TS_WINDOW:
        raise Failure(11, "ts must be the current unix time, within 5 seconds")
    message = "".join(name + params[name] for name in fields)
    key = str(account.get("private_key") or "").encode()
    expected = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["pass"].lower()):
        sbx.voipcenter_attempts.fail(params["apiID"], now)
        raise Failure(14, "pass = hash_hmac(sha256, " + " . ".join(fields) + ", private key)")
    password = str(account.get("password") or "")
    pwd = hashlib.sha256(hashlib.md5(password.encode()).hexdigest().encode()).hexdigest()
    if not hmac.compare_digest(pwd, params["pwd"].lower()):
        sbx.voipcenter_attempts.fail(params["apiID"], now)
        raise Failure(15)
    return account


def call(sbx: Sandbox, account: dict, params: dict[str, str]) -> Any:
    sipacc, telnr = params["sipacc"], params["telnr"]
    if not re.fullmatch(r"\d{6,16}", telnr):
        raise Failure(17, "telnr must be digits only, e.g. 093456789 or 3293456789")
    names = [e["name"] for e in account.get("extensions") or []]
    if names and sipacc not in names:
        raise Failure(20, f"unknown SIP account {sipacc}")
    if simulator.agent_magic(sipacc) == simulator.AGENT_OFFLINE:
        raise Failure(21, "the SIP account is not registered (offline)")
    magic = simulator.customer_magic(telnr)
    if magic == simulator.REFUSE or sbx.sim.active_count() >= simulator.MAX_ACTIVE_CALLS:
        raise Failure(1)
    if magic == simulator.HANG:
        sbx.hang(account)
        raise Failure(1, "magic 504: held past client timeouts")
    sbx.sim.originate(
        account,
        agent=sipacc,
        customer=telnr,
        external_id=None,
        to=telnr,
        **{"from": str(account.get("outbound_number") or sipacc)},
    )
    return envelope()


def get(sbx: Sandbox, account: dict, params: dict[str, str]) -> Any:
    menu, item_id, text = params["m"], params["id"], params.get("filter", "")
    if menu == "wskey":
        return stream_key(sbx, account, item_id)
    if menu not in vdata.GET_MENUS or not item_id.isdigit():
        raise Failure(17, f"m must be one of {', '.join(vdata.GET_MENUS)}; id a number")
    if text and item_id != "0":
        raise Failure(17, "filter is only allowed with id=0")
    if menu == "calls":
        items = vdata.calls(sbx.sim.all(), account["name"])
    else:
        items = sbx.voipcenter_state(account).get(menu, [])
    items = vdata.select(items, int(item_id), text, by_date=menu == "calls")
    if items is None:
        raise Failure(2)
    return vdata.get_reply(items, single=item_id != "0")


def stream_key(sbx: Sandbox, account: dict, ws_user: str) -> dict[str, str]:
    """m=wskey&id=<websocket user>: the key to register on the Socket.IO stream with, at
    the reply's top level as voipcenter-hacs reads it."""
    if not ws_user or ws_user != str(account.get("ws_user") or ""):
        raise Failure(2, "no websocket user by that name (the account's ws_user)")
    if sbx.voipcenter_stream is None:
        raise Failure(1, "the sandbox's VoipCenter stream is not running")
    return {"username": ws_user, "wskey": sbx.voipcenter_stream.issue_key(account["name"], ws_user)}


def update(sbx: Sandbox, account: dict, params: dict[str, str]) -> Any:
    menu, item_id = params["m"], params["id"]
    if menu not in vdata.UPDATE_MENUS or not item_id.isdigit():
        raise Failure(17, "m must be did, indicator or hddesk; id a number")
    changes = vdata.parse_p(menu, params["p"])
    if changes is None:
        raise Failure(17, "p is not valid for this menu")
    with sbx.lock:
        items = sbx.voipcenter_state(account).get(menu, [])
        item = next((i for i in items if i["id"] == int(item_id)), None)
        if item is None:
            raise Failure(17, f"no {menu} with id {item_id}")  # code 2 is for get.php only
        item.update(changes)
    return envelope()


ACTIONS = {"call.php": call, "get.php": get, "update.php": update}
