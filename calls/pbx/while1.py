"""While1 Voice: click-to-call through ``/api/originate-call``.

The dialect (docs/vendors/while1.md has the details and our assumptions):
``POST {base}/api/originate-call`` with ``Authorization: Bearer <api_token>`` and a
JSON body ``{"data": {...}, "api_hash": md5(http_build_query(params) . api_key)}``.
The PBX is PHP: it decodes the JSON and recomputes the hash with PHP's own
``http_build_query``, so ours must match it byte for byte, hence the port below.
While1 documents no call events; its PBX sends our generic JSON events.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import phonenumbers
import requests

from calls.pbx.base import (
    ConnectionCheck,
    CredentialField,
    OriginateRequest,
    OriginateResult,
    PbxAdapter,
    PbxError,
)
from calls.pbx.generic import GenericEvents
from calls.pbx.http import send
from calls.pbx.php import php_http_build_query
from calls.pbx.redact import redact
from calls.pbx.words import gettext as _

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


# --- replies ----------------------------------------------------------------------


def _texts(value: Any, *, codes: bool = True) -> tuple[list[str], str | None]:
    """Vendor texts from a list, or from a dict keyed by error code (first code kept)."""
    if isinstance(value, Mapping):
        if not codes:
            return [str(text) for text in value.values()], None
        texts = [f"{text} (code {code})" for code, text in value.items()]
        return texts, (str(next(iter(value))) if value else None)
    if isinstance(value, list | tuple):
        return [str(text) for text in value], None
    return ([str(value)] if value else []), None


def _json_reply(response: requests.Response) -> dict[str, Any] | None:
    """The While1 reply object, or None when the body is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) and "has_error" in data else None


def _status_words(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


class While1Adapter(GenericEvents, PbxAdapter):
    vendor = "while1"
    label = "While1 Voice"
    credential_fields = (
        CredentialField("api_token", "API token"),
        # The overview calls api_key optional: without it requests carry no api_hash.
        CredentialField("api_key", "API key (for the request hash)", required=False),
    )

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
        """Send originate-call without a number: it can ring nobody, but its
        answer tells an accepted token (a validation error) from a refused one.

        While1 documents no read-only endpoint; see docs/vendors/while1.md.
        """
        project_id = self.config.settings.get("project_id")
        data = {"project_id": _project_id(project_id)} if project_id else {}
        try:
            response = self._post(data, self.config.read_timeout)
        except PbxError as exc:
            return ConnectionCheck(ok=False, message=exc.message)
        return self._check(response, project_id)

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

    def _body(self, data: Mapping[str, Any]) -> bytes:
        params: dict[str, Any] = {"data": data}
        api_key = self.config.credentials.get("api_key", "")
        if api_key:
            # Hash exactly what is sent, before api_hash joins it, as the PHP sample does.
            params["api_hash"] = api_hash(params, api_key)
        # ASCII escapes like PHP's json_encode in the vendor's own client; NaN has no JSON.
        text = json.dumps(params, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode()

    def _post(self, data: Mapping[str, Any], read_timeout: float) -> requests.Response:
        token = self.config.credentials.get("api_token", "")
        if not token:
            raise PbxError(_("The While1 Voice account has no API token; enter it and save."))
        body = self._body(data)
        log.debug("While1 Voice originate-call %s", redact(body.decode()))
        return send(
            self.session,
            "POST",
            self.config.base_url.rstrip("/") + ORIGINATE_PATH,
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
        reply = _json_reply(response)
        problem = self._problem(response, reply)
        texts, code = _texts(reply.get("messages")) if reply else ([], None)
        warnings = tuple(_texts(reply.get("warnings"), codes=False)[0]) if reply else ()
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
        results = _texts(reply.get("results"), codes=False)[0]
        return OriginateResult(
            ok=True,
            message="; ".join(results)
            or _("%(vendor)s accepted the call.") % {"vendor": self.label},
            answered=answered_on_success,
            warnings=warnings,
        )

    def _problem(self, response: requests.Response, reply: dict[str, Any] | None) -> str:
        """A sentence when the reply is not a plain While1 answer about the call."""
        texts = _texts(reply.get("messages"))[0] if reply else []
        said = f" ({'; '.join(texts)})" if texts else ""
        # Only a refusal's words count: a success never means a bad token.
        words = " ".join(texts).lower() if reply and reply["has_error"] else ""
        if response.status_code in (401, 403) or "token" in words:
            return _(
                "%(vendor)s did not accept the API token%(said)s. Copy the API token from the "
                "PBX (Settings :: Parameters) into this PBX account again."
            ) % {"vendor": self.label, "said": said}
        if "hash" in words:
            return _(
                "%(vendor)s rejected the request hash%(said)s. Make the API key here match the "
                "one in the PBX's Settings :: Parameters (leave it empty only if the PBX has none)."
            ) % {"vendor": self.label, "said": said}
        if reply is not None and reply["has_error"]:
            return ""  # the vendor's own words say what went wrong, whatever the status
        if 300 <= response.status_code < 400:
            where = redact(response.headers.get("Location", "")) or _("elsewhere")
            return _(
                "%(vendor)s redirected the request to %(where)s; "
                "set the PBX address to the address it redirects to."
            ) % {"vendor": self.label, "where": where}
        if not 200 <= response.status_code < 300:
            hint = " " + _("Check the PBX address.") if response.status_code == 404 else ""
            return (
                _(
                    "%(vendor)s answered %(status)s%(said)s instead of a result; check on the PBX "
                    "whether the call was placed before trying again."
                )
                % {
                    "vendor": self.label,
                    "status": _status_words(response.status_code),
                    "said": said,
                }
                + hint
            )
        if reply is None:
            kind = response.headers.get("Content-Type", "").split(";")[0] or _("no content type")
            return _(
                "%(vendor)s answered with something that is not its JSON reply (%(kind)s); "
                "check that the PBX address is the PBX's base URL, without /api/..."
            ) % {"vendor": self.label, "kind": kind}
        return ""

    def _check(self, response: requests.Response, project_id: Any) -> ConnectionCheck:
        reply = _json_reply(response)
        problem = self._problem(response, reply)
        warnings = tuple(_texts(reply.get("warnings"), codes=False)[0]) if reply else ()
        if problem:
            return ConnectionCheck(ok=False, message=problem, warnings=warnings)
        texts = _texts(reply.get("messages"))[0]
        said = "; ".join(texts)
        if project_id and "project" in said.lower():
            warnings += (
                _("%(vendor)s may not know project %(project)s: %(said)s")
                % {"vendor": self.label, "project": project_id, "said": said},
            )
        message = _("%(vendor)s accepted the API token.") % {"vendor": self.label}
        if said:
            message += " " + _(
                "It answered the test request, which rings nobody, with: %(said)s"
            ) % {"said": said}
        return ConnectionCheck(ok=True, message=message, warnings=warnings)


def _project_id(value: Any) -> Any:
    # The vendor's example sends an int; a digit string from a form becomes one.
    return int(value) if isinstance(value, str) and value.isdigit() else value
