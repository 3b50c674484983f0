"""An outbound call moves on: raised to a further state, or finished with its outcome.

Every change is published to the live pages once it is committed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from calls import live, states
from calls.callbacks import services as callbacks
from calls.models import Call, CallStatus


def finish(call_id: int, status: str, reason: str = "") -> Call | None:
    """End a call that is not over yet; a call already ended keeps its outcome."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if states.is_terminal(call.status):
            return None
        if call.status == CallStatus.ANSWERED:
            status, reason = CallStatus.COMPLETED, ""  # it was a conversation, not a failure
        call.status = status
        call.failure_reason = reason
        call.ended_at = timezone.now()
        if call.answered_at:
            call.duration = round((call.ended_at - call.answered_at).total_seconds())
        call.save(update_fields=["status", "failure_reason", "ended_at", "duration", "updated_at"])
        callbacks.on_call_finished(call)
    live.publish(call)
    return call


def advance(call_id: int, status: str, **fields: object) -> Call | None:
    """Raise a call to ``status`` unless it is already further along."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        changed = [name for name, value in fields.items() if getattr(call, name) != value]
        for name in changed:
            setattr(call, name, fields[name])
        if states.RANK[status] > states.RANK[call.status]:
            call.status = status
            changed.append("status")
        if not changed:
            return None
        call.save(update_fields=[*changed, "updated_at"])
    live.publish(call)
    return call
