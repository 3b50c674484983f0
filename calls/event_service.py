"""Apply PBX events to calls: store each event once, then move its call forward."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from calls import live, states
from calls.models import Agent, Call, CallDirection, CallEvent, CallStatus, Project
from calls.pbx.base import Direction, EventKind, NormalizedEvent
from contacts.models import ContactPhone
from contacts.phones import try_normalize

log = logging.getLogger("calls.events")

ACTIVE_MATCH_KINDS = (EventKind.DIAL_IN, EventKind.DIAL_OUT, EventKind.ANSWER, EventKind.HANGUP)


@dataclass(frozen=True)
class Applied:
    event: CallEvent | None  # None: a repeat of an event already stored
    call: Call | None
    changed: bool = False

    @property
    def duplicate(self) -> bool:
        return self.event is None


def apply_event(*, project: Project, vendor: str, event: NormalizedEvent) -> Applied:
    """Store ``event`` once (its dedupe key) and apply it to its call, under a row lock."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = CallEvent.objects.create(
                    project=project,
                    vendor=vendor,
                    dedupe_key=event.dedupe_key[:255],
                    kind=event.kind.value,
                    payload=_jsonable(event.raw),
                    occurred_at=event.occurred_at,
                )
        except IntegrityError:
            return Applied(event=None, call=None)
        if event.kind not in ACTIVE_MATCH_KINDS:
            return Applied(event=stored, call=None)
        call = _find_call(project, event) or _new_inbound_call(project, event)
        if call is None:
            log.info("event %s matches no call of project %s", event.dedupe_key, project.pk)
            return Applied(event=stored, call=None)
        stored.call = call
        stored.save(update_fields=["call"])
        changed = _transition(call, event)
    if changed:
        transaction.on_commit(lambda: live.publish(call))
    return Applied(event=stored, call=call, changed=changed)


def _jsonable(raw: object) -> dict:
    return {
        str(k): v if isinstance(v, str | int | float | bool | None) else str(v)
        for k, v in dict(raw).items()
    }


def _locked(project: Project):
    return Call.objects.select_for_update().filter(project=project)


def _find_call(project: Project, event: NormalizedEvent) -> Call | None:
    if event.external_id:
        try:
            external = uuid.UUID(event.external_id)
        except ValueError:
            external = None
        if external and (call := _locked(project).filter(external_id=external).first()):
            return _remember_vendor_id(call, event)
    if event.vendor_call_id:
        call = _locked(project).filter(vendor_call_id=event.vendor_call_id).first()
        if call:
            return call
    if event.direction != Direction.INBOUND:
        return _match_outbound_by_number(project, event)
    return None


def _remember_vendor_id(call: Call, event: NormalizedEvent) -> Call:
    if event.vendor_call_id and not call.vendor_call_id:
        call.vendor_call_id = event.vendor_call_id
        call.save(update_fields=["vendor_call_id"])
    return call


def _match_outbound_by_number(project: Project, event: NormalizedEvent) -> Call | None:
    """For PBXs that echo none of our ids (VoipCenter): the agent's live call to that number."""
    number = try_normalize(event.to_number, project.region)
    if not (number and event.extension):
        return None
    call = (
        _locked(project)
        .filter(
            direction=CallDirection.OUTBOUND,
            agent__extension=event.extension,
            remote_number=number,
            vendor_call_id="",
        )
        .exclude(status__in=states.TERMINAL)
        .order_by("-requested_at")
        .first()
    )
    return _remember_vendor_id(call, event) if call else None


def _new_inbound_call(project: Project, event: NormalizedEvent) -> Call | None:
    if event.direction != Direction.INBOUND or not event.vendor_call_id:
        return None
    number = try_normalize(event.from_number, project.region) or event.from_number[:20]
    agent = Agent.objects.filter(project=project, extension=event.extension).first()
    phone = ContactPhone.objects.filter(project=project, number=number).first()
    return Call.objects.create(
        project=project,
        agent=agent,
        contact_id=phone.contact_id if phone else None,
        direction=CallDirection.INBOUND,
        remote_number=number,
        status=CallStatus.RINGING,
        vendor_call_id=event.vendor_call_id,
    )


def _transition(call: Call, event: NormalizedEvent) -> bool:
    before = states.CallState(
        status=call.status,
        inbound=call.direction == CallDirection.INBOUND,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        failure_reason=call.failure_reason,
    )
    facts = states.EventFacts(
        kind=event.kind,
        at=_aware(event.occurred_at) or timezone.now(),
        leg=event.leg,
        outcome=event.outcome,
        reason=event.reason,
    )
    after = states.apply(before, facts)
    if after == before:
        return False
    call.status = after.status
    call.answered_at = after.answered_at
    call.ended_at = after.ended_at
    call.failure_reason = after.failure_reason
    call.duration = after.duration
    call.save(
        update_fields=[
            "status",
            "answered_at",
            "ended_at",
            "failure_reason",
            "duration",
            "updated_at",
        ]
    )
    return True


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, UTC)
    return moment
