"""While1's read-only ``/api/users-status``: "Test connection" and the agents' phone status.

Documented (wiki ``API_-_Users_status``): POST or GET with ``type`` = ``sip`` | ``iax``,
signed like every request; the reply's ``results`` is keyed by user name, each with
``username, in_use, ringing, on_hold, limit, status, ip, dnd_time``. ``status`` is
Asterisk's peer status ("OK (12 ms)", "LAGGED", "UNREACHABLE", "UNKNOWN", "Unmonitored");
docs/vendors/while1.md says how we read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

from calls.pbx.base import ConnectionCheck, PbxError, Presence
from calls.pbx.while1.replies import json_reply, problem, texts_of
from calls.pbx.words import gettext as _

if TYPE_CHECKING:
    from calls.pbx.while1.adapter import While1Adapter

USERS_STATUS_PATH = "/api/users-status"
PEER_TYPES = ("sip", "iax")
# How Asterisk and PHP print "no address"; not a bind address.
NO_ADDRESS = frozenset({"", "-none-", "(unspecified)", "0.0.0.0", "null", "(null)"})  # noqa: S104


def peer_presence(peer: Mapping[str, Any]) -> Presence:
    """One user's row in words we keep: registered, offline or unknown."""
    status = str(peer.get("status") or "").strip().upper()
    has_address = str(peer.get("ip") or "").strip().lower() not in NO_ADDRESS
    if status.startswith(("OK", "LAGGED")):
        return Presence.REGISTERED
    if status.startswith("UNREACHABLE"):
        return Presence.OFFLINE
    if status.startswith("UNKNOWN"):
        # Asterisk's UNKNOWN with no address (the wiki's example) is a phone that never
        # registered; with an address we cannot tell.
        return Presence.UNKNOWN if has_address else Presence.OFFLINE
    # "Unmonitored" and the like: not qualified, so the address alone tells a registration.
    return Presence.REGISTERED if has_address else Presence.OFFLINE


def peers(reply: Mapping[str, Any]) -> dict[str, Presence]:
    """User name -> presence; a list of rows (not the documented dict) is read too."""
    results = reply.get("results")
    rows = results.values() if isinstance(results, Mapping) else results or []
    found: dict[str, Presence] = {}
    for key, row in zip(_keys(results), rows, strict=False):
        if isinstance(row, Mapping):
            name = str(row.get("username") or row.get("extension") or key or "").strip()
            if name:
                found[name] = peer_presence(row)
    return found


def _keys(results: Any) -> list[str]:
    if isinstance(results, Mapping):
        return [str(key) for key in results]
    return [""] * len(results or [])


def _ask(adapter: While1Adapter) -> tuple[requests.Response, dict[str, Any] | None]:
    peer_type = str(adapter.config.settings.get("presence_type") or "sip").lower()
    if peer_type not in PEER_TYPES:
        raise PbxError(
            _("While1 Voice setting presence_type=%(value)r is unknown; use sip or iax.")
            % {"value": peer_type}
        )
    try:
        response = adapter.post_signed(
            USERS_STATUS_PATH, {"type": peer_type}, adapter.config.read_timeout
        )
    except PbxError as exc:
        if not exc.permanent:  # never reached: its sentence says where we looked
            raise
        # http.send's words speak of a call that may ring; this request rings nobody.
        raise PbxError(
            _("%(vendor)s did not finish answering the status request; try again.")
            % {"vendor": adapter.label}
        ) from None
    return response, json_reply(response)


def _refusal(adapter: While1Adapter, response: requests.Response, reply: Any) -> str:
    """A sentence when the PBX did not give the status list; "" when it did."""
    said = problem(adapter.label, response, reply, placing=False)
    if said or not reply["has_error"]:
        return said
    words = "; ".join(texts_of(reply.get("messages"))[0]) or _("no reason given")
    return _(
        "%(vendor)s refused to list the phones' status: %(words)s. Check that the API "
        "token may read users-status, and the setting presence_type (sip or iax)."
    ) % {"vendor": adapter.label, "words": words}


def read(adapter: While1Adapter) -> dict[str, Presence]:
    """User name -> presence, for the live board; PbxError with a sentence otherwise."""
    response, reply = _ask(adapter)
    said = _refusal(adapter, response, reply)
    if said:
        raise PbxError(said)
    return peers(reply)


def check(adapter: While1Adapter) -> ConnectionCheck:
    """Test connection without ringing anybody."""
    try:
        response, reply = _ask(adapter)
    except PbxError as exc:
        return ConnectionCheck(ok=False, message=exc.message)
    said = _refusal(adapter, response, reply)
    warnings = tuple(texts_of(reply.get("warnings"), codes=False)[0]) if reply else ()
    if said:
        return ConnectionCheck(ok=False, message=said, warnings=warnings)
    found = peers(reply)
    registered = sum(1 for state in found.values() if state == Presence.REGISTERED)
    message = _(
        "%(vendor)s accepted the API token and lists %(count)d phone(s), %(registered)d "
        "of them registered."
    ) % {"vendor": adapter.label, "count": len(found), "registered": registered}
    if not adapter.config.settings.get("project_id"):
        warnings += (_("No project ID is set: calls cannot be placed until it is."),)
    return ConnectionCheck(ok=True, message=message, warnings=warnings)
