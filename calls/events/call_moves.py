"""Step 4, call moved: apply one event (in our words) to its call. "Apply" means this and only
this: store the event once (its dedupe key), find or create its call, move the call through
the state machine (calls/states.py). Step 5, published: a changed call is published to the
live pages on commit (calls/live/)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from calls import live, statements, states
from calls.callbacks import services as callbacks
from calls.models import Agent, Call, CallDirection, CallEvent, CallStatus, Project
from calls.outbound import call_language
from calls.pbx.base import Direction, EventKind, NormalizedEvent
from contacts.models import Contact, ContactPhone
from contacts.phones import try_normalize

log = logging.getLogger("calls.events")

ACTIVE_MATCH_KINDS = (EventKind.DIAL_IN, EventKind.DIAL_OUT, EventKind.ANSWER, EventKind.HANGUP)
# An event matched by agent and number belongs to a call clicked at most this long before it
# (project setting outbound_match_window_minutes): an old call left open is not taken.
OUTBOUND_MATCH_WINDOW = timedelta(hours=4)


@dataclass(frozen=True)
class Applied:
    event: CallEvent | None  # None: a repeat of an event already stored
    call: Call | None
    changed: bool = False

    @property
    def duplicate(self) -> bool:
        return self.event is None


class LockedCalls:
    """The calls a batch of events names, locked up front in one query (id order).

    The event applier locks every call its batch mentions at once instead of one
    SELECT ... FOR UPDATE per event: fewer round trips, and two appliers always take
    row locks in the same order. A call that is not here (created meanwhile, or matched
    by number) is still looked up by apply_event as usual.
    """

    def __init__(self, project: Project, events: list[NormalizedEvent]) -> None:
        self._by_external: dict[uuid.UUID, Call] = {}
        self._by_vendor_id: dict[str, Call] = {}
        externals = {x for e in events if (x := _uuid(e.external_id))}
        vendor_ids = {e.vendor_call_id for e in events if e.vendor_call_id}
        if not (externals or vendor_ids):
            return
        match = Q(external_id__in=externals) | Q(vendor_call_id__in=vendor_ids)
        for call in _locked(project).filter(match).order_by("id"):
            self.remember(call)

    def remember(self, call: Call) -> None:
        self._by_external[call.external_id] = call
        if call.vendor_call_id:
            self._by_vendor_id[call.vendor_call_id] = call

    def find(self, event: NormalizedEvent) -> Call | None:
        external = _uuid(event.external_id)
        if external and (call := self._by_external.get(external)):
            return _remember_vendor_id(call, event)
        return self._by_vendor_id.get(event.vendor_call_id) if event.vendor_call_id else None


def apply_event(
    *, project: Project, vendor: str, event: NormalizedEvent, locked: LockedCalls | None = None
) -> Applied:
    """Store ``event`` once (its dedupe key) and apply it to its call, under a row lock.

    The call row is locked before the event is inserted, so every event of one call
    takes its locks in the same order (call, then dedupe key) and a repeat waits for
    the first delivery to commit, then finds its key taken. Inside a caller's
    transaction (the applier's batch) no savepoint is made: any database error there
    rolls back the whole batch, which stays queued. ``locked``: the batch's calls,
    already locked.
    """
    created = False
    with transaction.atomic(savepoint=False):
        call = None
        if event.kind in ACTIVE_MATCH_KINDS:
            call = (locked and locked.find(event)) or _find_call(project, event)
        stored = _insert_once(project, vendor, event, call)
        if stored is None:
            return Applied(event=None, call=None)
        if call is None and event.kind in ACTIVE_MATCH_KINDS:
            # Created only after our key is in: a repeat of this event cannot make a twin.
            call = _new_inbound_call(project, event)
            if call is None:
                log.info("event %s matches no call of project %s", event.dedupe_key, project.pk)
                return Applied(event=stored, call=None)
            created = True
            stored.call = call
            stored.save(update_fields=["call"])
            if locked is not None:
                locked.remember(call)
        if call is None:
            return Applied(event=stored, call=None)
        changed = _transition(call, event)
        if changed and (call.status == CallStatus.ANSWERED or states.is_terminal(call.status)):
            callbacks.on_call_finished(call)  # opens or closes the number's callback
    if changed or created:  # a new inbound call is news even when its event changes nothing
        transaction.on_commit(lambda: live.publish(call))
    return Applied(event=stored, call=call, changed=changed or created)


def _insert_once(
    project: Project, vendor: str, event: NormalizedEvent, call: Call | None
) -> CallEvent | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: None when the key is already stored.

    One statement instead of a savepoint, an INSERT that may fail and a rollback to
    the savepoint; PostgreSQL and SQLite (3.35+) both speak it.
    """
    stored = CallEvent(
        project=project,
        call=call,
        vendor=vendor,
        dedupe_key=event.dedupe_key[:255],
        kind=event.kind.value,
        payload=_jsonable(event.raw),
        occurred_at=event.occurred_at,
        received_at=timezone.now(),
    )
    pk = statements.insert_returning_pk(
        stored, _EVENT_COLUMNS, on_conflict=("vendor", "dedupe_key")
    )
    if pk is None:
        return None
    stored.pk = pk
    stored._state.adding = False
    return stored


_EVENT_COLUMNS = (
    "project",
    "call",
    "vendor",
    "dedupe_key",
    "kind",
    "payload",
    "occurred_at",
    "received_at",
)


def _jsonable(raw: object) -> dict:
    return {
        str(k): v if isinstance(v, str | int | float | bool | None) else str(v)
        for k, v in dict(raw).items()
    }


def _locked(project: Project):
    return Call.objects.select_for_update().filter(project=project)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _find_call(project: Project, event: NormalizedEvent) -> Call | None:
    external = _uuid(event.external_id)
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
    """For PBXs that echo none of our ids (VoipCenter, While1's outgoing_end without
    external_id): the agent's live call to that number, clicked within the window."""
    number = try_normalize(event.to_number, project.region)
    if not (number and event.extension):
        return None
    minutes = project.settings.get("outbound_match_window_minutes")
    window = timedelta(minutes=float(minutes)) if minutes else OUTBOUND_MATCH_WINDOW
    call = (
        _locked(project)
        .filter(
            direction=CallDirection.OUTBOUND,
            agent__extension=event.extension,
            remote_number=number,
            vendor_call_id="",
            requested_at__gte=(_aware(event.occurred_at) or timezone.now()) - window,
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
    return Call.objects.create(
        project=project,
        agent=agent,
        contact_id=_contact_id(project, event, number),
        direction=CallDirection.INBOUND,
        remote_number=number,
        status=CallStatus.RINGING,
        vendor_call_id=event.vendor_call_id,
    )


def _contact_id(project: Project, event: NormalizedEvent, number: str) -> int | None:
    """The contact the PBX echoed from our caller lookup (only one of this project's),
    else the one whose phone number called."""
    if event.contact_id.isdigit():
        found = Contact.objects.filter(project=project, pk=int(event.contact_id))
        if (pk := found.values_list("pk", flat=True).first()) is not None:
            return pk
    phone = ContactPhone.objects.filter(project=project, number=number).first()
    return phone.contact_id if phone else None


def _transition(call: Call, event: NormalizedEvent) -> bool:
    ended_here = bool(call.ended_by) and call.ended_at is not None
    pbx_end_heard = ended_here and _pbx_hangup_before(call, event)
    # our own clock's talk time is not the PBX's: a call ended here has none until it reports
    ours_only = ended_here and not pbx_end_heard
    before = states.CallState(
        status=call.status,
        inbound=call.direction == CallDirection.INBOUND,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        failure_reason=call.failure_reason,
        talk_seconds=call.duration if call.ended_at and not ours_only else None,
        ended_here=ended_here,
        pbx_end_heard=pbx_end_heard,
    )
    facts = states.EventFacts(
        kind=event.kind,
        at=_aware(event.occurred_at) or timezone.now(),
        leg=event.leg,
        outcome=event.outcome,
        reason=_in_call_language(call, event.reason),
        talk_seconds=event.talk_seconds,
    )
    after = states.apply(before, facts)
    if after == before:
        return False
    changed = [
        name
        for name in ("status", "answered_at", "ended_at", "failure_reason", "duration")
        if getattr(call, name) != getattr(after, name)
    ]
    if not changed:
        return False
    for name in changed:
        setattr(call, name, getattr(after, name))
    call.updated_at = timezone.now()  # the live pages and housekeeping read it
    statements.update_columns(call, [*changed, "updated_at"])  # Call has no save signals to skip
    return True


def _in_call_language(call: Call, reason: str) -> str:
    """An adapter's sentence (English, marked with gettext_noop) in the language the call
    was placed in; the PBX's own words are in no catalogue and pass through as written."""
    if not reason:
        return ""  # gettext("") is the catalogue's header
    with call_language.speaking(call):
        return gettext(reason)


def _pbx_hangup_before(call: Call, event: NormalizedEvent) -> bool:
    """Whether the PBX reported this call's end before ``event`` (already stored)."""
    hangups = CallEvent.objects.filter(call=call, kind=EventKind.HANGUP.value)
    return hangups.exclude(dedupe_key=event.dedupe_key[:255]).exists()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, UTC)
    return moment
