"""VoipCenter's configuration data (get.php / update.php) and its XML rendering."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

GET_MENUS = (
    "sipacc",
    "did",
    "feestdagen",
    "vakanties",
    "kantooruren",
    "routes",
    "backuproutes",
    "calls",
    "indicator",
    "hddesk",
    "hdtemplate",
)
UPDATE_MENUS = ("did", "indicator", "hddesk")

# Letters of update.php's "p" per menu (did: holidays, vacations, office hours, route,
# backup route; hddesk: SIP account, template).
P_LETTERS = {"did": "fvkrb", "hddesk": "st"}

DEFAULT_STATE: dict[str, list[dict[str, Any]]] = {
    "did": [
        {
            "id": 540,
            "number": "3293456789",
            "name": "Main line",
            "f": 10,
            "v": 20,
            "k": 30,
            "r": 140,
            "b": 150,
        }
    ],
    # "actief" "0"/"1": the field (and string values) voipcenter-hacs reads from get.php.
    "indicator": [{"id": 100, "name": "Night mode", "actief": "0"}],
    "hddesk": [{"id": 100, "name": "Desk 1", "s": 101, "t": 50}],
    "hdtemplate": [{"id": 50, "name": "Default template"}],
    "feestdagen": [],
    "vakanties": [],
    "kantooruren": [],
    "routes": [],
    "backuproutes": [],
}


def initial_state(account: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the account's configuration (account keys override defaults)."""
    state = copy.deepcopy(DEFAULT_STATE)
    for menu in state:
        if isinstance(account.get(menu), list):
            state[menu] = copy.deepcopy(account[menu])
    extensions = account.get("extensions") or [{"id": 1, "name": "101"}]
    state["sipacc"] = [
        {"id": e["id"], "name": e["name"], "username": e["name"]} for e in extensions
    ]
    return state


def calls(all_calls: list[Any], account_name: str) -> list[dict[str, Any]]:
    """The account's simulated calls, as get.php m=calls lists them (UTC dates)."""
    items = []
    for call in all_calls:
        if call.account["name"] != account_name:
            continue
        snap = call.snapshot()
        started = datetime.fromtimestamp(snap["created"], UTC)
        answered = snap["legs"].get("customer" if call.direction == "outbound" else "agent", {})
        ended = snap["ended"]
        talk = int(ended - answered["answered_at"]) if ended and "answered_at" in answered else 0
        items.append(
            {
                "id": call.number,
                "callid": call.id,
                "date": started.strftime("%Y%m%d"),
                "time": started.strftime("%H:%M:%S"),
                "direction": call.direction,
                "sipacc": call.info.get("agent", ""),
                "from": call.info.get("from", ""),
                "to": call.info.get("to", ""),
                "duration": talk,
                # A call still going on says so: "answered" is how a list of past calls
                # says one ended after a talk, so it must not describe a live one.
                "status": snap["outcome"] or "in progress",
            }
        )
    return items


def select(items: list[dict], item_id: int, text: str, by_date: bool) -> list[dict] | None:
    """id=0 lists everything (filtered); another id gives that item or None."""
    if item_id:
        found = [item for item in items if item.get("id") == item_id]
        return found or None
    if not text:
        return items
    if by_date and re.fullmatch(r"\d{8}", text):
        return [item for item in items if item.get("date") == text]
    needle = text.lower()
    return [i for i in items if any(needle in str(v).lower() for v in i.values())]


def get_reply(items: list[dict], single: bool) -> Any:
    """get.php's data as the public clients read it: ``{"id_<n>": {...}}`` for a list
    (php-voipcenter strips ``id_`` to get the id), the fields for one item, ``[]``
    for an empty list (PHP's json_encode of an empty array)."""

    def fields(item: dict) -> dict:
        return {k: v for k, v in item.items() if k != "id"}

    if single:
        return fields(items[0])
    return {f"id_{item['id']}": fields(item) for item in items} or []


def parse_p(menu: str, text: str) -> dict[str, int] | None:
    """``f10|v20`` or ``f=10|v=20`` for did/hddesk, ``0``/``1`` for indicator."""
    if menu == "indicator":
        return {"actief": text} if text in ("0", "1") else None
    changes = {}
    for part in text.split("|"):
        match = re.fullmatch(r"([a-z])=?(\d+)", part.strip())
        if match is None or match.group(1) not in P_LETTERS[menu]:
            return None
        changes[match.group(1)] = int(match.group(2))
    return changes or None


def _xml(name: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml("item", v) for v in value)
    else:
        inner = escape("" if value is None else str(value))
    return f"<{name}>{inner}</{name}>"


def to_xml(data: Any) -> bytes:
    """The JSON reply's tree under ``<response>``: ``<response><head><status>1</status>
    ...</head><body>...</body></response>``, ``<response><id_1>...</id_1></response>``."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _xml("response", data)).encode()
