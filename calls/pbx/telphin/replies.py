"""What Telphin answers, turned into results and sentences a person can act on."""

from __future__ import annotations

from typing import Any

import requests

from calls.pbx.base import OriginateResult, PbxError
from calls.pbx.redact import redact
from calls.pbx.telphin.events import plain_call_id
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop

# What a person can do about each refusal of a callback.
# Translated where a sentence is made, in the language of the call.
_CALLBACK_HINTS = {
    400: gettext_noop("Check the customer number (E.164) and the agent's Telphin extension name."),
    403: gettext_noop(
        "The Telphin application may not start calls for this extension; "
        "check the application's type and rights in the Telphin portal."
    ),
    404: gettext_noop(
        "The agent's Telphin extension id is unknown to this application; "
        "re-import the extensions in the PBX account settings."
    ),
}
_OTHER_HINT = gettext_noop("Check the agent's Telphin settings and try again.")


def callback_refused(response: requests.Response, body: Any) -> OriginateResult:
    """A 4xx to the callback request: Telphin's words and what to do about them."""
    hint = _(_CALLBACK_HINTS.get(response.status_code, _OTHER_HINT))
    refused = _("Telphin refused the call: %(words)s.") % {"words": vendor_words(response, body)}
    return OriginateResult(
        ok=False, message=f"{refused} {hint}", vendor_code=str(response.status_code)
    )


def callback_accepted(body: Any) -> OriginateResult:
    """201 ``{"call_api_id": H, "call_id": H}``: our call keeps ``call_id``, the id every
    event of the call carries as CallID (CallAPIID there is another shape of it)."""
    body = body if isinstance(body, dict) else {}
    call_id = plain_call_id(str(body.get("call_id") or body.get("call_api_id") or ""))
    if call_id:
        return OriginateResult(ok=True, vendor_call_id=call_id, message=_("Telphin is calling."))
    # Accepted but unnamed: the phones ring anyway, so this is no failure.
    return OriginateResult(
        ok=True,
        message=_("Telphin is calling."),
        warnings=(_("Telphin returned no call_id; events may not match this call."),),
    )


def json_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def vendor_words(response: requests.Response, body: Any) -> str:
    """Telphin's own explanation, secrets masked, for a sentence a person reads."""
    words = ""
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail"):
            if body.get(key):
                words = str(body[key])
                break
    if not words:
        words = (response.text or "").strip()[:200] or f"HTTP {response.status_code}"
    return redact(f"“{words}”" if not words.startswith("HTTP ") else words)


def checked(response: requests.Response, action: str) -> Any:
    """The JSON of a 2xx reply to an admin request, or a PbxError that says why not."""
    body = json_of(response)
    if 200 <= response.status_code < 300:
        return body
    raise PbxError(
        _("Telphin did not let us %(action)s: %(words)s (HTTP %(status)s).")
        % {
            "action": action,
            "words": vendor_words(response, body),
            "status": response.status_code,
        },
        permanent=response.status_code < 500,
        vendor_code=str(response.status_code),
    )
