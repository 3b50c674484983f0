"""A call's sentences are written in the language the agent placed it in.

The worker and housekeeping run outside any request, where Django speaks the server's
LANGUAGE_CODE: an agent reading Romanian pages got the PBX's failures in English.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from calls.models import Call


def of_the_request() -> str:
    """The language of the page or API request placing a call, "" outside a request."""
    return translation.get_language() or ""


def speaking(call: Call) -> translation.override:
    """gettext in ``call``'s language; the server's when it has none we speak."""
    try:
        code = translation.get_supported_language_variant(call.language)
    except LookupError:
        code = settings.LANGUAGE_CODE
    return translation.override(code)
