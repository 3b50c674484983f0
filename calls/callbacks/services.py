"""Writers of callbacks: missed inbound calls open them, answered calls close them.

Counts are derived from the calls themselves rather than incremented, so applying
the same call twice (a repeated event, a late timestamp, a task redelivered) never
double counts:

- ``missed_count``: missed inbound calls from the number that ended since the
  callback's first missed call (``missed_call``, the earliest of its window);
- ``attempts``: outbound calls to the number placed since the callback opened that
  reached the PBX and ended unanswered (no answer, busy, canceled while ringing).
  A ``failed`` call is not an attempt: the customer's phone never rang.

A missed call that ended before the number's last callback was closed is already
covered (counted there, or the customer was reached after it) and opens nothing.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Agent, Call, Callback, CallbackReason, CallDirection, CallStatus
from contacts.phones import format_for_people
from contacts.selectors import contact_by_number

ANSWERED = frozenset({CallStatus.ANSWERED, CallStatus.COMPLETED})
ATTEMPT_STATUSES = frozenset({CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.CANCELED})


class CallbackRefused(Exception):
    """The callback cannot be changed as asked; the message is for a person."""


def on_call_finished(call: Call) -> Callback | None:
    """Update the number's callback after ``call`` reached a terminal status.

    Call inside the transaction that changed the call. Safe to call more than once.
    """
    # No savepoint: the caller's transaction changed the call and rolls back with us.
    with transaction.atomic(savepoint=False):
        if call.direction == CallDirection.INBOUND and call.status == CallStatus.MISSED:
            # Only a missed call may create a callback: creators queue on the number.
            # Everything else changes an existing callback, whose row lock suffices.
            _serialize(call.project_id, call.remote_number)
            return _missed(call, _open_callback(call))
        open_callback = _open_callback(call)
        if open_callback is None:
            return None
        if call.status in ANSWERED:
            return _answered(call, open_callback)
        if call.direction == CallDirection.OUTBOUND and call.status in ATTEMPT_STATUSES:
            return _recount(open_callback)
    return None


def on_call_answered(call: Call) -> Callback | None:
    """The customer picked up (status answered, not yet completed): close the callback now."""
    return on_call_finished(call)


def schedule(*, call: Call, agent: Agent, due_at: datetime) -> Callback:
    """ "Call back later" after ``call``: the number's callback, due then, assigned to the
    agent. A callback already open for the number gets the time and the agent."""
    with transaction.atomic():
        _serialize(call.project_id, call.remote_number)
        callback = _open_callback(call)
        if callback is None:
            return Callback.objects.create(
                project_id=call.project_id,
                number=call.remote_number,
                contact_id=call.contact_id,
                missed_call=call,
                missed_count=0,
                due_at=due_at,
                assigned_to=agent,
            )
        callback.due_at, callback.assigned_to = due_at, agent
        callback.save(update_fields=["due_at", "assigned_to"])
        return callback


def reschedule(
    *, callback: Callback, due_at: datetime, assigned_to: Agent | None, by: AbstractBaseUser
) -> Callback:
    """Call back at ``due_at`` (and leave it to ``assigned_to``, or to anyone); audited."""
    from calls.audit import record

    if due_at <= timezone.now():
        raise CallbackRefused(_("Pick a callback time in the future."))
    if assigned_to is not None and assigned_to.project_id != callback.project_id:
        raise CallbackRefused(_("That agent works on another project."))
    with transaction.atomic():
        locked = Callback.objects.select_for_update().get(pk=callback.pk)
        if not locked.is_open:
            raise CallbackRefused(_("This callback is already closed."))
        locked.due_at, locked.assigned_to = due_at, assigned_to
        locked.save(update_fields=["due_at", "assigned_to"])
        record(
            by,
            "callback.scheduled",
            locked,
            _("%(who)s scheduled the callback to %(number)s")
            % {
                "who": by.get_full_name() or by.get_username(),
                "number": format_for_people(locked.number, locked.project.region),
            },
            {"due_at": due_at.isoformat(), "assigned_to": assigned_to.pk if assigned_to else None},
        )
    return locked


def dismiss(*, callback: Callback, by: AbstractBaseUser) -> Callback:
    """Close a callback nobody needs to make; who did it goes to the audit trail."""
    from calls.audit import record  # the audit writer imports models only; import late

    with transaction.atomic():
        locked = Callback.objects.select_for_update().get(pk=callback.pk)
        if not locked.is_open:
            raise CallbackRefused(_("This callback is already closed."))
        locked.closed_at = timezone.now()
        locked.closed_reason = CallbackReason.DISMISSED
        locked.save(update_fields=["closed_at", "closed_reason"])
        number = format_for_people(locked.number, locked.project.region)
        record(
            by,
            "callback.dismissed",
            locked,
            _("%(who)s dismissed the callback to %(number)s")
            % {"who": by.get_full_name() or by.get_username(), "number": number},
            {"project": locked.project_id, "missed_count": locked.missed_count},
        )
    return locked


def _serialize(project_id: int, number: str) -> None:
    """One writer per (project, number) at a time, so two missed calls open one callback.

    PostgreSQL: a transaction-scoped advisory lock on that pair only. SQLite takes the
    database write lock at BEGIN (transaction_mode IMMEDIATE), which serialises already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"callback:{project_id}:{number}"]
            )


def _open_callback(call: Call) -> Callback | None:
    # Most calls end with no callback open for their number; a hand-written probe
    # (SQL built once) answers that in a fraction of the locking query's compile time.
    if not _has_open_callback(call.project_id, call.remote_number):
        return None
    return (
        Callback.objects.select_for_update(of=("self",))
        .select_related("missed_call")
        .filter(project_id=call.project_id, number=call.remote_number, closed_at__isnull=True)
        .order_by("created_at", "id")
        .first()
    )


def _missed(call: Call, open_callback: Callback | None) -> Callback | None:
    ended = call.ended_at or call.updated_at
    if open_callback is not None:
        opener = open_callback.missed_call
        if ended < (opener.ended_at or opener.updated_at):
            open_callback.missed_call = call  # calls can end out of order
        return _recount(open_callback)
    last_closed = (
        Callback.objects.filter(project_id=call.project_id, number=call.remote_number)
        .exclude(closed_at__isnull=True)
        .aggregate(at=Max("closed_at"))["at"]
    )
    if last_closed is not None and ended <= last_closed:
        return None
    contact = call.contact or contact_by_number(call.project, call.remote_number)
    return Callback.objects.create(
        project_id=call.project_id, number=call.remote_number, contact=contact, missed_call=call
    )


def _answered(call: Call, callback: Callback) -> Callback:
    if call.requested_at < callback.created_at:
        # A call that started before the callback opened: the missed call it answered
        # late (the state machine corrects missed → completed) or an older conversation.
        callback = _recount(callback)
        if callback.missed_count:
            return callback
    inbound = call.direction == CallDirection.INBOUND
    callback.closed_at = timezone.now()
    callback.closed_reason = CallbackReason.CALLED_BACK if inbound else CallbackReason.REACHED
    callback.closed_by_call = call
    callback.save(update_fields=["closed_at", "closed_reason", "closed_by_call"])
    return callback


def _recount(callback: Callback) -> Callback:
    calls = Call.objects.filter(project_id=callback.project_id, remote_number=callback.number)
    opener = callback.missed_call
    since = opener.ended_at or opener.updated_at
    missed = calls.filter(direction=CallDirection.INBOUND, status=CallStatus.MISSED)
    callback.missed_count = missed.filter(ended_at__gte=since).count()
    attempts = calls.filter(
        direction=CallDirection.OUTBOUND,
        status__in=ATTEMPT_STATUSES,
        requested_at__gte=callback.created_at,
    ).exclude(vendor_call_id="")
    stats = attempts.aggregate(last=Max("ended_at"))
    callback.attempts = attempts.count()
    callback.last_attempt_at = stats["last"]
    callback.save(update_fields=["missed_call", "missed_count", "attempts", "last_attempt_at"])
    return callback


def _has_open_callback(project_id: int, number: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_open_probe_sql(), [project_id, number])
        return cursor.fetchone() is not None


@cache
def _open_probe_sql() -> str:
    meta, quote = Callback._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"SELECT 1 FROM {quote(meta.db_table)} WHERE {column('project')} = %s"  # noqa: S608
        f" AND {column('number')} = %s AND {column('closed_at')} IS NULL LIMIT 1"
    )
