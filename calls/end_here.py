"""Ending a call in pbxportal when the PBX cannot hang up (While1) or stays silent.

The agent says "I've hung up", a supervisor or admin ends it for them: the call ends
here at once so the agent can call again, and a late PBX event still corrects its times
(calls/states.py). Re-exported by calls.services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import audit, live, roles, states
from calls.callbacks import services as callbacks
from calls.models import Call, CallDirection, EndedBy

# How history, the call detail and the call card say who ended a call (the PBX: nothing).
ENDED_BY_SENTENCES = {
    EndedBy.AGENT: gettext_lazy("Ended in pbxportal by the agent"),
    EndedBy.SUPERVISOR: gettext_lazy("Ended in pbxportal by a supervisor"),
    EndedBy.ADMIN: gettext_lazy("Ended in pbxportal by an administrator"),
    EndedBy.SYSTEM: gettext_lazy("Closed by pbxportal: no word from the PBX"),
}


def ended_by_sentence(ended_by: str) -> str:
    """Who ended a call, for people; empty when the PBX reported the end itself."""
    sentence = ENDED_BY_SENTENCES.get(ended_by)
    return str(sentence) if sentence else ""


@dataclass(frozen=True)
class EndedHere:
    call: Call
    ended: bool  # False: the call had already ended, nothing was changed

    @property
    def message(self) -> str:
        """For the person who clicked: empty when it worked."""
        return "" if self.ended else _("This call had already ended; nothing to do.")


def ender_role(user: AbstractBaseUser, call: Call) -> str | None:
    """Who ``user`` is to this call when ending it, or None when they may not."""
    if not user.is_authenticated:
        return None
    if call.agent_id is not None and call.agent.user_id == user.pk:
        return EndedBy.AGENT
    if roles.is_admin(user):
        return EndedBy.ADMIN
    if roles.is_supervisor(user):  # supervisors watch the whole floor (calls.roles)
        return EndedBy.SUPERVISOR
    return None


def end_call_here(*, call: Call, by: AbstractBaseUser | None, role: str) -> EndedHere:
    """End a live call in pbxportal now: completed if it was answered, else canceled.

    The agent is free the moment this commits. Ending an ended call changes nothing."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("project").get(pk=call.pk)
        after = states.end_here(_state_of(locked), timezone.now())
        if not after.ended_here or states.is_terminal(locked.status):
            return EndedHere(locked, ended=False)
        locked.status, locked.ended_at = after.status, after.ended_at
        locked.failure_reason, locked.duration = after.failure_reason, after.duration
        locked.ended_by = role
        locked.save(
            update_fields=[
                "status",
                "ended_at",
                "failure_reason",
                "duration",
                "ended_by",
                "updated_at",
            ]
        )
        callbacks.on_call_finished(locked)
        audit.call_ended_here(locked, by, role)
    live.publish(locked)
    return EndedHere(locked, ended=True)


def _state_of(call: Call) -> states.CallState:
    return states.CallState(
        status=call.status,
        inbound=call.direction == CallDirection.INBOUND,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        failure_reason=call.failure_reason,
    )
