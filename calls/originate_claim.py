"""The originate task's claim: a queued call becomes "originating", read back with what
the adapter needs (project, PBX account, agent, contact).

Only a queued call passes the UPDATE (one statement, committed on its own), so two
deliveries of one task cannot both claim it; the read that follows joins the rest.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from calls.models import Call, CallStatus


def claim(call_id: int, requested_since: datetime) -> Call | None:
    """The call, now originating; None when it was not queued, was requested before
    ``requested_since`` (too old to ring), or does not exist."""
    claimed = Call.objects.filter(
        pk=call_id, status=CallStatus.QUEUED, requested_at__gte=requested_since
    ).update(status=CallStatus.ORIGINATING, updated_at=timezone.now())
    if not claimed:
        return None
    return Call.objects.select_related("project__pbx_account", "agent", "contact").get(pk=call_id)
