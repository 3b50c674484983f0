"""While1 Voice: click-to-call through ``/api/originate-call``; events in; phone status.

The dialect (docs/vendors/while1.md has the details and our assumptions):
``POST {base}/api/originate-call`` with ``Authorization: Bearer <api_token>`` and a
JSON body ``{"data": {...}, "api_hash": md5(http_build_query(params) . api_key)}``.
The PBX is PHP: it decodes the JSON and recomputes the hash with PHP's own
``http_build_query``, so ours must match it byte for byte, hence the port below.
Call events come as While1's own "Send Events" GETs (events.py); the sandbox PBX may
still send our generic JSON events, which are read as before. "Test connection" and the
agents' phone status use the read-only ``/api/users-status`` (presence.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
import requests

from calls.pbx.base import (
    ConnectionCheck,
    CredentialField,
    InboundRequest,
    NormalizedEvent,
    OriginateRequest,
    OriginateResult,
    PbxAdapter,
    PbxError,
    Presence,
)
from calls.pbx.generic import GenericEvents
from calls.pbx.http import send
from calls.pbx.php import php_http_build_query
from calls.pbx.redact import redact
from calls.pbx.while1 import events
from calls.pbx.while1 import presence as users_status
from calls.pbx.while1.replies import json_reply, problem, texts_of
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop

log = logging.getLogger("calls.pbx.while1")

ORIGINATE_PATH = "/api/originate-call"
DESTINATION_TYPES = ("user", "queue", "context")
DIAL_FORMATS = ("e164", "national", "digits")
DEFAULT_ANSWER_TIMEOUT = 60.0
# async=0 holds the request open until the agent answers; the PBX needs a moment
# after its own ring timeout to hang up and write its reply.
ANSWER_MARGIN = 15.0


def api_hash(params: Mapping[str, Any], api_key: str) -> str:
    """While1's ``md5(http_build_query($params) . $api_key)`` as lowercase hex."""
    text = php_http_build_query(params) + api_key
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# --- numbers ----------------------------------------------------------------------


def format_caller_id(number: str, dial_format: str = "e164", region: str = "") -> str:
    """The customer number as the PBX's outbound rules expect it.

    ``e164`` keeps "+40212345678"; ``digits`` gives "40212345678"; ``national``
    gives the number as dialled from ``region`` (default: the number's own
    country), e.g. "0212345678" in RO, "00442071234567" for a UK number from RO.
    """
    if dial_format == "e164":
        return number
    if dial_format == "digits":
        return re.sub(r"\D", "", number)
    if dial_format != "national":
        raise PbxError(
            _("While1 Voice setting dial_format=%(value)r is unknown; use one of %(choices)s.")
            % {"value": dial_format, "choices": ", ".join(DIAL_FORMATS)}
        )
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise PbxError(
            _("%(number)r is not a number in international format.") % {"number": number}
        ) from None
    home = (region or phonenumbers.region_code_for_number(parsed) or "").upper()
    text = phonenumbers.format_out_of_country_calling_number(parsed, home)
    return text if text.startswith("+") else re.sub(r"\D", "", text)


class While1Adapter(GenericEvents, PbxAdapter):
    vendor = "while1"
    label = "While1 Voice"
    credential_fields = (
        CredentialField("api_token", gettext_noop("API token")),
        # The overview calls api_key optional: without it requests carry no api_hash.
        CredentialField("api_key", gettext_noop("API key (for the request hash)"), required=False),
    )
    project_settings_checked = ("project_id",)

    # --- outbound ---

    def originate(self, request: OriginateRequest) -> OriginateResult:
        """Ask the PBX to ring the agent, then the customer.

        Transport failures raise PbxError from http.send (permanent unless the
        PBX provably never saw the request); everything the PBX says is a result.
        """
        async_mode = self._async_mode()
        read_timeout = self.config.read_timeout
        if async_mode == 0:
            read_timeout = max(read_timeout, self._answer_timeout() + ANSWER_MARGIN)
        response = self._post(self._call_data(request, async_mode), read_timeout)
        return self._result(response, answered_on_success=async_mode == 0)

    def test_connection(self) -> ConnectionCheck:
        """Read users-status: harmless, and its answer tells a good token from a bad one."""
        return users_status.check(self)

    def presence(self) -> dict[str, Presence]:
        return users_status.read(self)

    # --- events in ---

    def validate_request(self, request: InboundRequest) -> None:
        """While1's GETs carry no signature (the URL token is their only proof); our
        generic JSON events keep theirs when the project has a signing secret."""
        if not events.is_while1_event(request):
            super().validate_request(request)

    def parse_events(self, request: InboundRequest) -> list[NormalizedEvent]:
        if events.is_while1_event(request):
            return events.parse_events(request)
        return super().parse_events(request)

    def empty_webhook_reply(self, request: InboundRequest) -> bool:
        # The Send_Events page: "an empty content with header 200".
        return events.is_while1_event(request)

    # --- request building ---

    def _call_data(self, request: OriginateRequest, async_mode: int) -> dict[str, Any]:
        settings = self.config.settings
        if request.destination_type not in DESTINATION_TYPES:
            raise PbxError(
                _("While1 Voice cannot send a call to a %(type)r; use one of %(choices)s.")
                % {"type": request.destination_type, "choices": ", ".join(DESTINATION_TYPES)}
            )
        if not settings.get("project_id"):
            raise PbxError(
                _("The While1 Voice account has no project ID; set it in the PBX account settings.")
            )
        caller_id = format_caller_id(
            request.number, settings.get("dial_format") or "e164", settings.get("dial_region", "")
        )
        # Key order is the vendor's documented order; the hash depends on it.
        data: dict[str, Any] = {
            "project_id": _project_id(settings["project_id"]),
            "caller_id": caller_id,
            # Mandatory at the PBX: without a name the agent still sees the number.
            "caller_id_name": request.caller_name or caller_id,
            "type": request.destination_type,
            "destination": request.target,
            "external_id": request.external_id,
            "async": async_mode,
        }
        for name in ("outbound_number", "outbound_trunk"):
            if settings.get(name):
                data[name] = settings[name]
        variables = dict(settings.get("vars") or {})
        if request.backend_link:
            variables["BACKEND_LINK"] = request.backend_link
        if variables:
            data["vars"] = variables
        return data

    def _body(self, unsigned: Mapping[str, Any]) -> bytes:
        params: dict[str, Any] = dict(unsigned)
        api_key = self.config.credentials.get("api_key", "")
        if api_key:
            # Hash exactly what is sent, before api_hash joins it, as the PHP sample does.
            params["api_hash"] = api_hash(params, api_key)
        # ASCII escapes like PHP's json_encode in the vendor's own client; NaN has no JSON.
        text = json.dumps(params, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode()

    def _post(self, data: Mapping[str, Any], read_timeout: float) -> requests.Response:
        return self.post_signed(ORIGINATE_PATH, {"data": data}, read_timeout)

    def post_signed(
        self, path: str, params: Mapping[str, Any], read_timeout: float
    ) -> requests.Response:
        """POST ``params`` as JSON with the Bearer token and, when there is a key, api_hash."""
        token = self.config.credentials.get("api_token", "")
        if not token:
            raise PbxError(_("The While1 Voice account has no API token; enter it and save."))
        body = self._body(params)
        log.debug("While1 Voice %s %s", path, redact(body.decode()))
        return send(
            self.session,
            "POST",
            self.config.base_url.rstrip("/") + path,
            vendor_label=self.label,
            timeout=(self.config.connect_timeout, read_timeout),
            data=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    def _async_mode(self) -> int:
        value = self.config.settings.get("async", 1)
        return 0 if str(value).strip().lower() in ("0", "false", "no") else 1

    def _answer_timeout(self) -> float:
        return float(self.config.settings.get("answer_timeout") or DEFAULT_ANSWER_TIMEOUT)

    # --- reply parsing ---

    def _result(self, response: requests.Response, *, answered_on_success: bool) -> OriginateResult:
        reply = json_reply(response)
        problem = self._problem(response, reply)
        texts, code = texts_of(reply.get("messages")) if reply else ([], None)
        warnings = tuple(texts_of(reply.get("warnings"), codes=False)[0]) if reply else ()
        for warning in warnings:
            log.warning("While1 Voice warned: %s", warning)
        if problem:
            return OriginateResult(ok=False, message=problem, warnings=warnings, vendor_code=code)
        if reply["has_error"]:
            reason = "; ".join(texts) or _("no reason given (look in the PBX's API log)")
            return OriginateResult(
                ok=False,
                message=_("%(vendor)s refused the call: %(reason)s")
                % {"vendor": self.label, "reason": reason},
                warnings=warnings,
                vendor_code=code,
            )
        results = texts_of(reply.get("results"), codes=False)[0]
        return OriginateResult(
            ok=True,
            message="; ".join(results)
            or _("%(vendor)s accepted the call.") % {"vendor": self.label},
            answered=answered_on_success,
            warnings=warnings,
        )

    def _problem(self, response: requests.Response, reply: dict[str, Any] | None) -> str:
        return problem(self.label, response, reply)


def _project_id(value: Any) -> Any:
    # The vendor's example sends an int; a digit string from a form becomes one.
    return int(value) if isinstance(value, str) and value.isdigit() else value
