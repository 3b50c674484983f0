"""How a call's outcome reads to people, where the status alone says too little."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from calls.models import Call, CallStatus

# SIP 603 "Decline": PBXs report it as busy (Asterisk maps it so), with the reason in
# words; the sandbox's …603 number says "The customer declined the call (603)."
_DECLINED = re.compile(r"\b603\b|declin|reject", re.IGNORECASE)


def status_label(call: Call) -> str:
    """The badge: "Declined" for a busy call the customer refused, else the status's name."""
    if call.status == CallStatus.BUSY and _DECLINED.search(call.failure_reason or ""):
        return _("Declined")
    return str(call.get_status_display())
