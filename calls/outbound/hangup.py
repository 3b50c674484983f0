"""Ending a call: Hang up (the PBX ends it, where the vendor can; a call not yet placed
is canceled here), and "I've hung up" / "End call" when the PBX cannot (While1) or
stays silent.

"I've hung up" ends the call here at once so the agent can call again; a late PBX event
still corrects its times (calls/states.py). Both write the call's audit entry.
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
from calls.models import Call, CallDirection, CallStatus, EndedBy, Project
from calls.outbound.progress import finish
from calls.outbound.refused import CallRefused
from calls.pbx.base import NotSupported, PbxError
from calls.pbx.for_project import adapter_for


def hangup(*, call: Call, by: AbstractBaseUser | None) -> Call:
    """Cancel a call not yet placed, or ask the PBX to end it where the vendor allows;
    the audit trail says ``by`` whom."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if states.is_terminal(locked.status):
            raise CallRefused(_("This call has already ended."), code="ended", conflict=True)
        if locked.status == CallStatus.QUEUED:
            locked.status = CallStatus.CANCELED
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at", "updated_at"])
            callbacks.on_call_finished(locked)
            audit.call_hung_up(locked, by)
            transaction.on_commit(lambda: live.publish(locked))
            return locked
    _ask_the_pbx(locked, call.project)  # the caller's call has its PBX account read
    ended = finish(call.pk, CallStatus.CANCELED) or Call.objects.get(pk=call.pk)
    audit.call_hung_up(ended, by)
    return ended


def _ask_the_pbx(call: Call, project: Project) -> None:
    adapter = adapter_for(project)
    if not adapter.can_hangup or not call.vendor_call_id:
        raise CallRefused(
            _("%(vendor)s does not let us end a call from here; hang up on your phone.")
            % {"vendor": adapter.label},
            code="hangup_unsupported",
            conflict=True,
        )
    # Telphin ends a call through the agent's extension: its id goes along.
    extension_id = call.agent.vendor_extension_id if call.agent_id else ""
    try:
        adapter.hangup(call.vendor_call_id, extension_id=extension_id)
    except NotSupported as exc:
        raise CallRefused(exc.message, code="hangup_unsupported", conflict=True) from None
    except PbxError as exc:
        raise CallRefused(exc.message, code="pbx_error", conflict=True) from None


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
