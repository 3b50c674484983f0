"""The sandbox PBX's own dialect (vendor "sandbox"), for running with no vendor account.

``POST {base}/originate`` with ``Authorization: Bearer <api_token>`` and JSON
``{"external_id", "number", "extension", "caller_name", "event_url"?}`` answers
``201 {"call_id": ...}``; ``POST {base}/calls/{id}/hangup`` ends a call;
``GET {base}/whoami`` checks the token. Errors are ``{"error": slug, "message": ...}``.
Events arrive as generic JSON events (calls/pbx/generic.py). docs/sandbox.md has it all.
"""

from __future__ import annotations

from typing import Any

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
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop


def _reply(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class SandboxAdapter(GenericEvents, PbxAdapter):
    vendor = "sandbox"
    label = gettext_noop("Sandbox PBX")
    credential_fields = (CredentialField("api_token", gettext_noop("API token")),)
    can_hangup = True

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        token = self.config.credentials.get("api_token", "")
        if not token:
            raise PbxError(_("The Sandbox PBX account has no API token; enter it and save."))
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return send(
            self.session,
            method,
            self._url(path),
            vendor_label="sandbox",
            timeout=self.timeout,
            headers=self._headers(),
            **kwargs,
        )

    def originate(self, request: OriginateRequest) -> OriginateResult:
        body = {
            "external_id": request.external_id,
            "number": request.number,
            "extension": request.target,
            "caller_name": request.caller_name,
        }
        if request.event_url:
            body["event_url"] = request.event_url
        response = self._send("POST", "/originate", json=body)
        reply = _reply(response)
        if response.status_code == 201 and reply.get("call_id"):
            return OriginateResult(
                ok=True,
                vendor_call_id=str(reply["call_id"]),
                message=_("The sandbox PBX is ringing the agent."),
            )
        return OriginateResult(
            ok=False,
            message=self._problem(response, reply),
            vendor_code=str(reply.get("error") or response.status_code),
        )

    def _problem(self, response: requests.Response, reply: dict[str, Any]) -> str:
        said = str(reply.get("message") or "").strip()
        if response.status_code == 401:
            return _(
                "The sandbox PBX did not accept the API token; copy the account's "
                "api_token from var/sandbox.json (or the sandbox config) again."
            )
        if said:
            return _("The sandbox PBX refused the call: %(reason)s") % {"reason": said}
        return _(
            "The sandbox PBX answered HTTP %(status)s instead of a call id; "
            "check the PBX address (it ends in /generic)."
        ) % {"status": response.status_code}

    def hangup(self, vendor_call_id: str, *, extension_id: str = "") -> None:
        response = self._send("POST", f"/calls/{vendor_call_id}/hangup")
        if response.status_code == 404:
            raise PbxError(
                _(
                    "The sandbox PBX has no call %(call)s; it may have ended "
                    "and been forgotten after a sandbox restart."
                )
                % {"call": vendor_call_id}
            )
        if response.status_code != 200:
            said = _reply(response).get("message") or f"HTTP {response.status_code}"
            raise PbxError(
                _("The sandbox PBX could not end the call: %(reason)s") % {"reason": said}
            )

    def test_connection(self) -> ConnectionCheck:
        try:
            response = self._send("GET", "/whoami")
        except PbxError as exc:
            return ConnectionCheck(ok=False, message=exc.message)
        reply = _reply(response)
        if response.status_code == 200 and reply.get("account"):
            return ConnectionCheck(
                ok=True,
                message=_("Connected to the sandbox PBX as account %(account)s.")
                % {"account": reply["account"]},
            )
        return ConnectionCheck(ok=False, message=self._problem(response, reply))
