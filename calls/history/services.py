"""Writing what an agent says about a call: its disposition and note."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.history.selectors import can_edit_outcome
from calls.models import AuditEntry, Call, Disposition

NOTE_MAX_LENGTH = 4000


class OutcomeRefused(ValueError):
    """The outcome was not saved; the message says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def set_outcome(
    *, call: Call, disposition: Disposition | None, note: str, by: AbstractBaseUser
) -> Call:
    """Set the call's disposition and note; only its agent or a supervisor may."""
    if not can_edit_outcome(by, call):
        raise OutcomeRefused(_("Only the call's agent or a supervisor can change its outcome."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise OutcomeRefused(
            _("The note is too long: keep it under %(n)d characters.") % {"n": NOTE_MAX_LENGTH}
        )
    if disposition is not None:
        if disposition.project_id != call.project_id:
            raise OutcomeRefused(
                _("That outcome belongs to another project; pick one from the list.")
            )
        if not disposition.is_active and disposition.pk != call.disposition_id:
            raise OutcomeRefused(_("That outcome is no longer offered; pick one from the list."))
    with transaction.atomic():
        # update(), not save(): the PBX's events may be moving this call's status right
        # now, and a save() from this (older) copy would write the old status back.
        Call.objects.filter(pk=call.pk).update(
            disposition=disposition, note=note, updated_at=timezone.now()
        )
        AuditEntry.objects.create(
            actor=by,
            action="call.outcome",
            object_type="call",
            object_id=str(call.pk),
            summary=_("Outcome of call %(id)s set to “%(outcome)s”")
            % {"id": call.pk, "outcome": disposition.name if disposition else "—"},
            data={"disposition": disposition.pk if disposition else None, "note": bool(note)},
        )
    call.disposition, call.note = disposition, note
    return call
