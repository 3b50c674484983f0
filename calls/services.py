"""The only writers of Call for outbound calls: start, originate, hang up.

Events from the PBX are applied in calls.event_service (re-exported here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import audit, call_language, live, live_later, states
from calls.adapters import adapter_for, originate_request_for
from calls.callbacks import services as callbacks
from calls.end_here import EndedHere, end_call_here, ender_role  # noqa: F401 - service API
from calls.event_service import apply_event  # noqa: F401 - part of the service API
from calls.models import Agent, Call, CallDirection, CallStatus
from calls.originate_claim import claim
from calls.pbx.base import NotSupported, PbxError
from calls.pbx.registry import UnknownVendor
from calls.start_insert import insert_unless_busy
from contacts.models import Contact
from contacts.phones import InvalidPhoneNumber, format_for_people, normalize_phone
from contacts.selectors import contact_by_number
from pbxportal.crypto import UndecryptableCredentials

log = logging.getLogger("calls.services")

# A repeated click on the same number within this window is the same call.
DOUBLE_CLICK_WINDOW = timedelta(seconds=10)
# Past this age a call that never reached the PBX is not worth ringing any more.
ORIGINATE_MAX_AGE = timedelta(seconds=45)


class CallRefused(Exception):
    """A call cannot be started or changed; the message is for the agent."""

    def __init__(self, message: str, *, code: str, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.conflict = conflict


@dataclass(frozen=True)
class StartedCall:
    call: Call
    created: bool


def start_call(
    *,
    agent: Agent,
    number: str,
    contact: Contact | None = None,
    idempotency_key: str = "",
) -> StartedCall:
    """Create an outbound call and queue its originate task once the row is committed."""
    if idempotency_key:
        existing = Call.objects.filter(agent=agent, idempotency_key=idempotency_key).first()
        if existing:
            return StartedCall(existing, created=False)
    try:
        e164 = normalize_phone(number, agent.project.region)
    except InvalidPhoneNumber as exc:
        raise CallRefused(str(exc), code="invalid_number") from None
    if contact is not None and contact.project_id != agent.project_id:
        raise CallRefused(_("That contact belongs to another project."), code="invalid_contact")
    if contact is None:  # a typed number may be a contact's: the card and history name them
        contact = contact_by_number(agent.project, e164)
    for _attempt in range(3):
        call = Call(
            project=agent.project,
            agent=agent,
            contact=contact,
            direction=CallDirection.OUTBOUND,
            remote_number=e164,
            idempotency_key=idempotency_key or None,
            language=call_language.of_the_request(),
        )
        # who dialled whom: written by the same statement as the call
        if insert_unless_busy(call, audit.call_started_entry(call)):
            transaction.on_commit(lambda call=call: _enqueue_originate(call))
            return StartedCall(call, created=True)
        held = _why_not_inserted(agent, e164, idempotency_key)
        if held is not None:
            return StartedCall(held, created=False)
    # the agent's previous call kept ending and starting in between: vanishingly rare
    raise CallRefused(_("Your previous call is still closing; try again."), code="agent_busy")


def _why_not_inserted(agent: Agent, e164: str, idempotency_key: str) -> Call | None:
    """The call a refused INSERT met: the same key, or a double click (returned); a call
    to another number (refused with a sentence); None when that call has ended since."""
    if idempotency_key:
        existing = Call.objects.filter(agent=agent, idempotency_key=idempotency_key).first()
        if existing:
            return existing
    active = _active_call(agent)
    if active is None:
        return None
    if _is_double_click(active, e164):
        return active
    raise CallRefused(
        _("You are already on a call to %(number)s; end it before starting another.")
        % {"number": format_for_people(active.remote_number, agent.project.region)},
        code="agent_busy",
        conflict=True,
    )


def _active_call(agent: Agent) -> Call | None:
    return (
        Call.objects.filter(agent=agent)
        .exclude(status__in=states.TERMINAL)
        .order_by("-requested_at")
        .first()
    )


def _is_double_click(active: Call, e164: str) -> bool:
    recent = timezone.now() - active.requested_at < DOUBLE_CLICK_WINDOW
    return recent and active.remote_number == e164


def _enqueue_originate(call: Call) -> None:
    from calls.tasks import originate  # tasks import services: import here to avoid a cycle

    try:
        originate.delay(call.pk)
    except Exception as exc:
        log.error("originate of call %s not queued: %s", call.pk, exc)
        finish(
            call.pk,
            CallStatus.FAILED,
            _("The call queue is not reachable, so the call was not placed. Try again soon."),
        )
        return
    live_later.publish_if_still_waiting(call)  # the clicking tab has its card already


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


class Originate:
    """Outcomes of one originate attempt, for the task to act on."""

    SKIPPED = "skipped"
    DONE = "done"
    RETRY = "retry"


def originate(call_id: int) -> str:
    """Ask the PBX to place a queued call. Never sends a second request for the same call."""
    # queued -> originating, in one statement; a call that waited too long is not rung
    call = claim(call_id, requested_since=timezone.now() - ORIGINATE_MAX_AGE)
    if call is None:
        return _not_claimed(call_id)
    with call_language.speaking(call):
        return _place(call)


def _place(call: Call) -> str:
    # Not published: it lasts milliseconds, and re-rendering every open page for it
    # sat on the click-to-PBX path. The PBX's answer is published a moment later.
    try:
        adapter = adapter_for(call.project)
        result = adapter.originate(originate_request_for(call))
    except PbxError as exc:
        if not exc.permanent:
            return _back_to_queue(call, exc.message)
        finish(call.pk, CallStatus.FAILED, exc.message)
        return Originate.DONE
    except (UnknownVendor, UndecryptableCredentials) as exc:
        finish(call.pk, CallStatus.FAILED, str(exc))
        return Originate.DONE
    _note_vendor_warnings(call, result.warnings)
    if not result.ok:
        finish(call.pk, CallStatus.FAILED, result.message)
    else:
        status = CallStatus.CUSTOMER_RINGING if result.answered else CallStatus.AGENT_RINGING
        advance(call.pk, status, vendor_call_id=result.vendor_call_id or call.vendor_call_id)
    return Originate.DONE


def _not_claimed(call_id: int) -> str:
    """A redelivered, canceled or already placed call is left as it is (SKIPPED); one
    still queued was too old to ring, e.g. the workers were down: it fails, saying why."""
    call = Call.objects.filter(pk=call_id, status=CallStatus.QUEUED).first()
    if call is None:
        return Originate.SKIPPED
    with call_language.speaking(call):
        finish(call_id, CallStatus.FAILED, too_late_reason(call))
    return Originate.DONE


def too_late_reason(call: Call) -> str:
    """Why a call queued too long was not placed, for the agent."""
    if call.failure_reason:  # an earlier attempt's, e.g. the PBX could not be reached
        return _not_placed(call.failure_reason)
    waited = round((timezone.now() - call.requested_at).total_seconds())
    return _(
        "The call waited %(seconds)d s in the call queue, too long to ring now; it was not "
        "placed. Try again."
    ) % {"seconds": waited}


def _back_to_queue(call: Call, message: str) -> str:
    """The PBX never saw the request: put the call back so a retry may send it."""
    now = timezone.now()
    if now - call.requested_at > ORIGINATE_MAX_AGE:
        finish(call.pk, CallStatus.FAILED, message)
        return Originate.DONE
    updated = Call.objects.filter(pk=call.pk, status=CallStatus.ORIGINATING).update(
        status=CallStatus.QUEUED, failure_reason=message, updated_at=now
    )
    if not updated:
        return Originate.DONE
    # the agent sees why nothing rings yet, instead of a silent "queued" for 15 s
    call.status, call.failure_reason, call.updated_at = CallStatus.QUEUED, message, now
    live.publish(call)
    return Originate.RETRY


def give_up(call_id: int) -> None:
    """Retries are exhausted: the call was never placed."""
    call = Call.objects.get(pk=call_id)
    with call_language.speaking(call):
        reason = _not_placed(call.failure_reason or _("The PBX could not be reached."))
    finish(call_id, CallStatus.FAILED, reason)


def _not_placed(reason: str) -> str:
    return _("%(reason)s The call was not placed.") % {"reason": reason}


def _note_vendor_warnings(call: Call, warnings: tuple[str, ...]) -> None:
    if not warnings:
        return
    account = call.project.pbx_account
    account.last_warning = "\n".join(warnings)
    account.last_warning_at = timezone.now()
    account.save(update_fields=["last_warning", "last_warning_at"])


def hangup(*, call: Call) -> Call:
    """Cancel a call not yet placed, or ask the PBX to end it where the vendor allows."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if states.is_terminal(locked.status):
            raise CallRefused(_("This call has already ended."), code="ended", conflict=True)
        if locked.status == CallStatus.QUEUED:
            locked.status = CallStatus.CANCELED
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at", "updated_at"])
            callbacks.on_call_finished(locked)
            transaction.on_commit(lambda: live.publish(locked))
            return locked
    adapter = adapter_for(call.project)
    if not adapter.can_hangup or not locked.vendor_call_id:
        raise CallRefused(
            _("%(vendor)s does not let us end a call from here; hang up on your phone.")
            % {"vendor": adapter.label},
            code="hangup_unsupported",
            conflict=True,
        )
    # Telphin ends a call through the agent's extension: its id goes along.
    extension_id = locked.agent.vendor_extension_id if locked.agent_id else ""
    try:
        adapter.hangup(locked.vendor_call_id, extension_id=extension_id)
    except NotSupported as exc:
        raise CallRefused(exc.message, code="hangup_unsupported", conflict=True) from None
    except PbxError as exc:
        raise CallRefused(exc.message, code="pbx_error", conflict=True) from None
    return finish(call.pk, CallStatus.CANCELED) or Call.objects.get(pk=call.pk)
