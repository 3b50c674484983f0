"""VoipCenter (pbxonline.be): click-to-call through call.php, PBX data through get/update.php.

The dialect, from the vendor's Dutch API document (docs/vendors/voipcenter.md
says where the document is silent and what we chose):

* every request is a GET to ``{base}/api/<script>.php`` with the parameters in
  the document's order; values are percent-encoded, which for plain values gives
  the document's string concatenation byte for byte (the document concatenates
  raw values, which breaks on '+', '&', spaces and non-ASCII);
* ``pwd`` = sha256_hex(md5_hex(password)); ``pass`` = HMAC-SHA256_hex(private
  key, name+value of the signed parameters in the document's order), over the raw
  values, i.e. what VoipCenter's PHP finds in ``$_GET`` after decoding;
* ``ts`` must be within 5 seconds of VoipCenter's clock.

VoipCenter's live events come over its Socket.IO stream (stream.py, notify.py):
``stream_login()`` fetches the key, the stream process stores each ``notify`` as a
webhook request with method WS, and ``parse_events`` reads it. Requests to our
webhook URL are still read as generic JSON (GenericEvents). call.php returns no call
id, so an originated call is matched by SIP account and number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import requests

from calls.pbx.base import (
    CallHistory,
    ConnectionCheck,
    CredentialField,
    Extension,
    InboundRequest,
    NormalizedEvent,
    OriginateRequest,
    OriginateResult,
    PbxAdapter,
    PbxConfig,
    PbxError,
)
from calls.pbx.generic import GenericEvents
from calls.pbx.http import send
from calls.pbx.voipcenter.history import call_history
from calls.pbx.voipcenter.notify import STREAM_METHOD, parse_notify
from calls.pbx.voipcenter.reply import MAY_RING, Reply, VoipCenterRefused, items, read_reply
from calls.pbx.voipcenter.switches import DID_ROUTE_LETTERS, Did, Indicator, dids, indicators
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop, ngettext

DEFAULT_BASE_URL = "https://pbxonline.be"
# The websocket server voipcenter-hacs connects to (Socket.IO over https, then wss).
DEFAULT_STREAM_URL = "https://ws1.voipcenter.be:4123"
# php and xml are the other choices; json is the one we can read safely and simply.
REPLY_FORMAT = "json"


@dataclass(frozen=True)
class Endpoint:
    script: str
    query: tuple[str, ...]  # the document's URL order; absent optional names are skipped
    signed: tuple[str, ...]  # names whose name+value make the HMAC input, in this order


_CREDENTIALS = ("apiID", "knummer", "pwd")

CALL = Endpoint(
    "call.php",
    query=(*_CREDENTIALS, "sipacc", "telnr", "f", "pass", "ts"),
    signed=(*_CREDENTIALS, "sipacc", "telnr", "f", "ts"),
)
# filter travels in the URL but is not signed: the document's hash string for
# get.php leaves it out while its example URLs carry it (php-voipcenter does the same).
GET = Endpoint(
    "get.php",
    query=(*_CREDENTIALS, "m", "id", "filter", "f", "pass", "ts"),
    signed=(*_CREDENTIALS, "m", "id", "f", "ts"),
)
# The document's update.php hash string is a copy of call.php's (sipacc, telnr),
# names update.php never receives. We sign what it does receive, in URL order,
# as voipcenter-hacs does against the live API. Change it here only.
UPDATE_SIGNED_FIELDS: tuple[str, ...] = (*_CREDENTIALS, "m", "id", "p", "f", "ts")
UPDATE = Endpoint(
    "update.php",
    query=(*_CREDENTIALS, "m", "id", "p", "f", "pass", "ts"),
    signed=UPDATE_SIGNED_FIELDS,
)

# update.php m=did: the document's parameter list writes "f=10|v=20|k=30|r=140|b=150"
# while its example URLs write "f10|v20|...". We follow the parameter list; the
# other form is "{letter}{value}".
DID_PAIR_FORMAT = "{letter}={value}"
P_SEPARATOR = "|"

_E164 = re.compile(r"^\+([1-9]\d{6,14})$")


def hashed_password(password: str) -> str:
    """``pwd``: sha256 of the hex md5 of the UTF-8 password, as the document's PHP does."""
    md5_hex = hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()
    return hashlib.sha256(md5_hex.encode()).hexdigest()


def signing_string(params: Mapping[str, str], names: Sequence[str]) -> str:
    """The document's ``$tobehashed``: name and raw value of each signed parameter."""
    return "".join(name + params[name] for name in names)


def sign(private_key: str, params: Mapping[str, str], names: Sequence[str]) -> str:
    """``pass``: hash_hmac('sha256', $tobehashed, $privateKey) in hex."""
    message = signing_string(params, names).encode()
    return hmac.new(private_key.encode(), message, hashlib.sha256).hexdigest()


def query_string(params: Mapping[str, str], order: Sequence[str]) -> str:
    """Parameters in the document's order, each value percent-encoded (PHP rawurlencode)."""
    return "&".join(f"{name}={quote(params[name], safe='')}" for name in order if name in params)


def dialable(number: str) -> str:
    """E.164 "+3293456789" -> "3293456789", the document's international form; else ""."""
    match = _E164.match(number.strip())
    return match.group(1) if match else ""


def did_routes_param(**fields: int | str) -> str:
    """The ``p`` of update.php m=did, e.g. route=140, backup_route=150 -> "r=140|b=150"."""
    unknown = set(fields) - set(DID_ROUTE_LETTERS)
    if unknown:
        raise TypeError(f"unknown DID route field(s): {', '.join(sorted(unknown))}")
    pairs = []
    for name, letter in DID_ROUTE_LETTERS.items():
        if name in fields:
            value = str(fields[name])
            if not value.isdigit():
                raise ValueError(f"{name} must be a VoipCenter id (digits), not {value!r}")
            pairs.append(DID_PAIR_FORMAT.format(letter=letter, value=value))
    if not pairs:
        raise ValueError("set_did_routes needs at least one of " + ", ".join(DID_ROUTE_LETTERS))
    return P_SEPARATOR.join(pairs)


@dataclass(frozen=True)
class StreamLogin:
    """What the Socket.IO stream needs: where, and the register payload (the key is secret)."""

    url: str
    username: str
    key: str = field(repr=False)


class VoipCenterAdapter(GenericEvents, PbxAdapter):
    vendor = "voipcenter"
    label = "VoipCenter"
    credential_fields = (
        CredentialField("api_id", gettext_noop("API ID"), secret=False),
        CredentialField(
            "customer_number", gettext_noop("customer number (klantnummer)"), secret=False
        ),
        CredentialField("password", gettext_noop("customer password")),
        CredentialField("private_key", gettext_noop("private API key")),
        # The websocket add-on's user: without it there is no live stream, only call history.
        CredentialField("ws_user", gettext_noop("websocket user"), secret=False, required=False),
        CredentialField(
            "ws_url", gettext_noop("websocket server URL"), secret=False, required=False
        ),
    )

    def __init__(
        self,
        config: PbxConfig,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, session)
        self.clock = clock  # injectable so signatures are reproducible in tests

    def originate(self, request: OriginateRequest) -> OriginateResult:
        telnr = dialable(request.number)
        if not telnr:
            return OriginateResult(
                ok=False,
                message=_(
                    "%(number)r is not a number VoipCenter can dial; it needs "
                    "the international format, e.g. +3293456789."
                )
                % {"number": request.number},
            )
        sipacc = request.agent_extension.strip()
        if not sipacc:
            return OriginateResult(
                ok=False,
                message=_(
                    "This agent has no VoipCenter SIP account; set the agent's extension "
                    "to the SIP account's username."
                ),
            )
        try:
            reply = self._request(CALL, {"sipacc": sipacc, "telnr": telnr}, after=MAY_RING)
        except VoipCenterRefused as refused:
            return OriginateResult(
                ok=False, message=refused.message, vendor_code=refused.vendor_code
            )
        return OriginateResult(
            ok=True,
            vendor_call_id=_call_id(reply.body),
            message=_(
                "VoipCenter is ringing SIP account %(account)s; it calls %(number)s once the "
                "agent answers."
            )
            % {"account": sipacc, "number": telnr},
        )

    def get(self, menu: str, id: int | str = 0, filter: str = "") -> Any:
        """get.php: the reply's body (all items for id=0). Raises PbxError."""
        if filter and str(id) != "0":
            raise ValueError("VoipCenter filters only whole lists: pass id=0 with a filter")
        fields = {"m": menu, "id": str(id)}
        if filter:
            fields["filter"] = filter  # omitted when empty, as in the document's example 3
        return self._request(GET, fields).body

    def update(self, menu: str, id: int | str, p: str) -> Any:
        """update.php: the reply's body. Raises PbxError."""
        return self._request(UPDATE, {"m": menu, "id": str(id), "p": p}).body

    def list_sip_accounts(self) -> list[dict[str, Any]]:
        return items(self.get("sipacc"))

    def list_extensions(self) -> list[Extension]:
        """The SIP accounts: an agent's extension is its SIP account's username."""
        found = []
        for row in self.list_sip_accounts():
            name = str(row.get("username") or row.get("name") or "").strip()
            if name:
                found.append(Extension(name=name, label=str(row.get("name") or "")))
        return found

    def list_calls(self, day: date) -> list[dict[str, Any]]:
        return items(self.get("calls", 0, day.strftime("%Y%m%d")))

    def sync_calls(self, day: date, region: str) -> CallHistory:
        return call_history(self.list_calls(day), region)

    def parse_events(self, request: InboundRequest) -> list[NormalizedEvent]:
        """A stream ``notify`` (stored with method WS), else our generic JSON events."""
        if request.method == STREAM_METHOD:
            return parse_notify(request.body)
        return super().parse_events(request)

    @property
    def ws_user(self) -> str:
        return str(self.config.credentials.get("ws_user") or "").strip()

    def stream_login(self) -> StreamLogin:
        """get.php m=wskey id=<websocket user>: the key to register on the stream with.

        voipcenter-hacs reads ``username`` and ``wskey`` from the reply's top level; we
        also look in ``body``. Raises PbxError (VoipCenterRefused for vendor codes).
        """
        user = self.ws_user
        if not user:
            raise PbxError(_("This VoipCenter account has no websocket user; fill it in."))
        reply = self._request(GET, {"m": "wskey", "id": user})
        found: dict[str, str] = {}
        for part in (reply.body, reply.data):  # body first: it wins over the top level
            if isinstance(part, Mapping):
                for name, value in part.items():
                    if isinstance(value, str | int):
                        found.setdefault(str(name), str(value))
        if not found.get("wskey"):
            raise PbxError(
                _(
                    "VoipCenter gave no websocket key for user %(user)s; check that the Websocket "
                    "add-on is enabled and that this websocket user exists."
                )
                % {"user": user}
            )
        url = str(self.config.credentials.get("ws_url") or "").strip() or DEFAULT_STREAM_URL
        return StreamLogin(url=url, username=found.get("username") or user, key=found["wskey"])

    def list_indicators(self) -> list[Indicator]:
        return indicators(self.get("indicator"))

    def list_dids(self) -> list[Did]:
        return dids(self.get("did"))

    def set_indicator(self, id: int | str, on: bool) -> Any:
        return self.update("indicator", id, "1" if on else "0")

    def set_did_routes(self, id: int | str, **fields: int | str) -> Any:
        return self.update("did", id, did_routes_param(**fields))

    def test_connection(self) -> ConnectionCheck:
        try:
            accounts = self.list_sip_accounts()
        except PbxError as exc:
            return ConnectionCheck(ok=False, message=exc.message)
        count = len(accounts)
        warnings = ()
        if not count:
            warnings = (
                _("VoipCenter lists no SIP accounts; each agent needs one to place calls."),
            )
        message = ngettext(
            "Connected: %(count)d SIP account.", "Connected: %(count)d SIP accounts.", count
        ) % {"count": count}
        return ConnectionCheck(ok=True, message=message, warnings=warnings)

    def _request(self, endpoint: Endpoint, fields: Mapping[str, str], after: str = "") -> Reply:
        """Sign, send and read one request; VoipCenterRefused when VoipCenter says no."""
        creds = self._credentials()
        params = {
            "apiID": creds["api_id"],
            "knummer": creds["customer_number"],
            "pwd": hashed_password(creds["password"]),
            **fields,
            "f": REPLY_FORMAT,
            "ts": str(int(self.clock())),
        }
        params["pass"] = sign(creds["private_key"], params, endpoint.signed)
        url = f"{self._base_url}/api/{endpoint.script}?{query_string(params, endpoint.query)}"
        response = send(self.session, "GET", url, vendor_label=self.label, timeout=self.timeout)
        secrets = (creds["password"], creds["private_key"], params["pwd"], params["pass"])
        return read_reply(response, after=after, secrets=secrets)

    def _credentials(self) -> Mapping[str, str]:
        creds = self.config.credentials
        missing = [
            _(f.label) for f in self.credential_fields if f.required and not creds.get(f.name)
        ]
        if missing:
            raise PbxError(
                ngettext(
                    "The VoipCenter account has no %(fields)s; fill it in on the PBX account.",
                    "The VoipCenter account lacks these: %(fields)s; fill them in on the PBX "
                    "account.",
                    len(missing),
                )
                % {"fields": ", ".join(missing)}
            )
        return creds

    @property
    def _base_url(self) -> str:
        return (self.config.base_url or DEFAULT_BASE_URL).rstrip("/")


def _call_id(body: Any) -> str:
    # The document shows no reply; should a call id ever appear, keep it.
    if isinstance(body, Mapping):
        for key in ("call_id", "callid", "uniqueid"):
            if body.get(key):
                return str(body[key])
    return ""
