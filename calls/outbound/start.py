"""A click becomes a queued call: the number checked, one INSERT, the originate task
sent once the row is committed.

Busy is the database's to say: the partial unique index ``call_one_active_outbound``
keeps one outbound call in progress per agent, and the INSERT below (ON CONFLICT DO
NOTHING) simply inserts nothing for the loser of a double click or of two racing tabs.
It is one statement on PostgreSQL (a data-modifying CTE writes the audit entry too); on
SQLite two INSERTs in one IMMEDIATE transaction. It replaced a row lock on the agent,
a check and two INSERTs: six round trips on the click-to-PBX path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import audit, statements, states
from calls.live import waiting
from calls.models import (
    TERMINAL_STATUSES,
    Agent,
    AuditEntry,
    Call,
    CallDirection,
    CallStatus,
)
from calls.outbound import call_language
from calls.outbound.progress import finish
from calls.outbound.refused import CallRefused
from calls.outbound.tasks import originate
from contacts.models import Contact
from contacts.phones import InvalidPhoneNumber, format_for_people, normalize_phone
from contacts.selectors import contact_by_number

log = logging.getLogger(__name__)

# A repeated click on the same number within this window is the same call.
DOUBLE_CLICK_WINDOW = timedelta(seconds=10)
_TERMINAL = sorted(TERMINAL_STATUSES)


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
    active = (
        Call.objects.filter(agent=agent)
        .exclude(status__in=states.TERMINAL)
        .order_by("-requested_at")
        .first()
    )
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


def _is_double_click(active: Call, e164: str) -> bool:
    recent = timezone.now() - active.requested_at < DOUBLE_CLICK_WINDOW
    return recent and active.remote_number == e164


def _enqueue_originate(call: Call) -> None:
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
    waiting.publish_if_still_waiting(call)  # the clicking tab has its card already


# --- the one statement -------------------------------------------------------------


def insert_unless_busy(call: Call, entry: AuditEntry) -> bool:
    """INSERT ``call`` and ``entry`` (whose object_id becomes the call's pk) unless the
    call's agent has a call in progress. True when both are in; ``call`` then has its pk.
    Inside a caller's transaction they commit with it; otherwise they are committed."""
    now = timezone.now()
    call.requested_at = call.updated_at = entry.at = now
    columns = statements.insert_columns(Call)
    params = [*statements.values(call, columns), call.agent_id, *_TERMINAL]
    if connection.vendor == "postgresql":
        row = statements.fetch_one(
            _postgres_sql(), [*params, *statements.values(entry, _entry_columns())]
        )
        if row is None:
            return False
        entry.object_id = row[0]
        call.pk = int(row[0])
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statements.insert_select_sql(Call, columns, _on_inbound_call()), params)
            row = cursor.fetchone()
            if row is None:
                return False
            call.pk = row[0]
            entry.object_id = str(call.pk)
            entry.pk = statements.insert_returning_pk(entry, statements.insert_columns(AuditEntry))
    call._state.adding = False
    call._state.db = connection.alias
    return True


@cache
def _on_inbound_call() -> str:
    # The index leaves inbound calls out (one may ring during an outbound call), yet an
    # agent talking to a caller is busy too: this is the only check besides the index.
    quote = connection.ops.quote_name
    terminal = ", ".join(["%s"] * len(_TERMINAL))
    return (
        f"NOT EXISTS (SELECT 1 FROM {quote(Call._meta.db_table)} "  # noqa: S608 - names from the models
        f"WHERE {statements.column(Call, 'agent')} = %s "
        f"AND {statements.column(Call, 'direction')} = '{CallDirection.INBOUND.value}' "
        f"AND {statements.column(Call, 'status')} NOT IN ({terminal}))"
    )


@cache
def _entry_columns() -> tuple[str, ...]:
    return tuple(c for c in statements.insert_columns(AuditEntry) if c != "object_id")


@cache
def _postgres_sql() -> str:
    quote = connection.ops.quote_name
    insert_call = statements.insert_select_sql(
        Call, statements.insert_columns(Call), _on_inbound_call()
    )
    names = ", ".join(statements.column(AuditEntry, c) for c in _entry_columns())
    object_id = statements.column(AuditEntry, "object_id")
    placeholders = ", ".join(["%s"] * len(_entry_columns()))
    return (
        f"WITH new_call AS ({insert_call}) "  # noqa: S608 - names from the models
        f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({names}, {object_id}) "
        f"SELECT {placeholders}, CAST(new_call.{quote(Call._meta.pk.column)} AS varchar) "
        f"FROM new_call RETURNING {object_id}"
    )
