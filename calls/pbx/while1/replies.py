"""While1 replies: ``{"has_error": bool, "messages": [...] | {code: text}, "results": ...}``,
and the sentences a person can act on when one says no."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import requests

from calls.pbx.redact import redact
from calls.pbx.words import gettext as _


def texts_of(value: Any, *, codes: bool = True) -> tuple[list[str], str | None]:
    """Vendor texts from a list, or from a dict keyed by error code (first code kept)."""
    if isinstance(value, Mapping):
        if not codes:
            return [str(text) for text in value.values()], None
        texts = [f"{text} (code {code})" for code, text in value.items()]
        return texts, (str(next(iter(value))) if value else None)
    if isinstance(value, list | tuple):
        return [str(text) for text in value], None
    return ([str(value)] if value else []), None


def json_reply(response: requests.Response) -> dict[str, Any] | None:
    """The While1 reply object, or None when the body is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) and "has_error" in data else None


def status_words(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def problem(
    label: str, response: requests.Response, reply: dict[str, Any] | None, *, placing: bool = True
) -> str:
    """A sentence when the reply is not a plain While1 answer; "" when it is one.

    ``placing``: the request could have rung someone, so a failure must say to look
    before trying again; read-only requests (users-status) need no such warning.
    """
    texts = texts_of(reply.get("messages"))[0] if reply else []
    said = f" ({'; '.join(texts)})" if texts else ""
    # Only a refusal's words count: a success never means a bad token.
    words = " ".join(texts).lower() if reply and reply["has_error"] else ""
    if response.status_code in (401, 403) or "token" in words:
        return _(
            "%(vendor)s did not accept the API token%(said)s. Copy the API token from the "
            "PBX (Settings :: Parameters) into this PBX account again."
        ) % {"vendor": label, "said": said}
    if "hash" in words:
        return _(
            "%(vendor)s rejected the request hash%(said)s. Make the API key here match the "
            "one in the PBX's Settings :: Parameters (leave it empty only if the PBX has none)."
        ) % {"vendor": label, "said": said}
    if reply is not None and reply["has_error"]:
        return ""  # the vendor's own words say what went wrong, whatever the status
    if 300 <= response.status_code < 400:
        where = redact(response.headers.get("Location", "")) or _("elsewhere")
        return _(
            "%(vendor)s redirected the request to %(where)s; "
            "set the PBX address to the address it redirects to."
        ) % {"vendor": label, "where": where}
    if not 200 <= response.status_code < 300:
        hint = " " + _("Check the PBX address.") if response.status_code == 404 else ""
        facts = {"vendor": label, "status": status_words(response.status_code), "said": said}
        if not placing:
            return _("%(vendor)s answered %(status)s%(said)s instead of a result.") % facts + hint
        return (
            _(
                "%(vendor)s answered %(status)s%(said)s instead of a result; check on the PBX "
                "whether the call was placed before trying again."
            )
            % facts
            + hint
        )
    if reply is None:
        kind = response.headers.get("Content-Type", "").split(";")[0] or _("no content type")
        return _(
            "%(vendor)s answered with something that is not its JSON reply (%(kind)s); "
            "check that the PBX address is the PBX's base URL, without /api/..."
        ) % {"vendor": label, "kind": kind}
    return ""
