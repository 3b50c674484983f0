"""A call's failure reason as people see it: admins read the PBX's address in it (they can
fix it), agents read that the PBX could not be reached (an internal address tells them
nothing and tells a stranger at their screen where the PBX lives)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# A URL (http://10.0.0.5:8010), or an IPv4/IPv6 address with or without a port.
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"
    r"|\[[0-9a-f:]+\](?::\d+)?",
    re.IGNORECASE,
)


def has_address(reason: str) -> bool:
    return bool(_ADDRESS.search(reason or ""))


def reason_for_agents(reason: str) -> str:
    """``reason`` without any address in it: a sentence that names one becomes "the PBX
    could not be reached" (the only failures that name the PBX's address)."""
    if not has_address(reason):
        return reason
    return _("The PBX could not be reached; if this keeps happening, tell an admin.")


def reason_for(reason: str, *, admin: bool) -> str:
    return reason if admin else reason_for_agents(reason)
