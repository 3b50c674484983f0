"""The originate task's work: claim a queued call, ask the PBX to place it, once.

The claim is one UPDATE (``queued → originating``, committed on its own): only a queued
call passes it, so two deliveries of one task cannot both send the request. On
PostgreSQL the same statement reads the call with its project, PBX account, agent and
contact (one round trip instead of two, on the click-to-PBX path). A request
that may have reached the PBX is never sent again; one the PBX never saw goes back to
the queue for the task's retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import live, statements
from calls.models import Agent, Call, CallStatus, PbxAccount, Project
from calls.outbound import call_language
from calls.outbound.progress import advance, finish
from calls.pbx.base import PbxError
from calls.pbx.for_project import adapter_for, originate_request_for
from calls.pbx.registry import UnknownVendor
from contacts.models import Contact
from pbxportal.crypto import UndecryptableCredentials

# Past this age a call that never reached the PBX is not worth ringing any more.
ORIGINATE_MAX_AGE = timedelta(seconds=45)


class Originate:
    """Outcomes of one originate attempt, for the task to act on."""

    SKIPPED = "skipped"
    DONE = "done"
    RETRY = "retry"


def originate(call_id: int) -> str:
    """Ask the PBX to place a queued call. Never sends a second request for the same call."""
    call = claim(call_id, requested_since=timezone.now() - ORIGINATE_MAX_AGE)
    if call is None:
        return _not_claimed(call_id)
    with call_language.speaking(call):
        return _place(call)


def claim(call_id: int, requested_since: datetime) -> Call | None:
    """The call, now originating, read with what the adapter needs; None when it was
    not queued, was requested before ``requested_since`` (too old to ring), or does not
    exist."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        row = statements.fetch_one(
            _claim_sql(),
            [CallStatus.ORIGINATING, now, call_id, CallStatus.QUEUED, requested_since],
        )
        return None if row is None else _call_with_its_parts(row)
    # SQLite has no UPDATE inside WITH: the claim, then the read
    claimed = Call.objects.filter(
        pk=call_id, status=CallStatus.QUEUED, requested_at__gte=requested_since
    ).update(status=CallStatus.ORIGINATING, updated_at=now)
    if not claimed:
        return None
    return Call.objects.select_related("project__pbx_account", "agent", "contact").get(pk=call_id)


# What the claim reads with the call, each (model, alias, join, on), in the row's order.
_PARTS = (
    (Project, "p", "JOIN", "c.{project}"),
    (PbxAccount, "a", "JOIN", "p.{pbx_account}"),
    (Agent, "ag", "LEFT JOIN", "c.{agent}"),
    (Contact, "ct", "LEFT JOIN", "c.{contact}"),
)


def _call_with_its_parts(row) -> Call:
    models = [Call, *(model for model, *_join in _PARTS)]
    call, project, account, agent, contact = statements.from_rows(models, row)
    project.pbx_account = account
    call.project, call.agent, call.contact = project, agent, contact
    return call


@cache
def _claim_sql() -> str:
    quote = connection.ops.quote_name
    table, pk = quote(Call._meta.db_table), quote(Call._meta.pk.column)
    status, updated_at = statements.column(Call, "status"), statements.column(Call, "updated_at")
    requested_at = statements.column(Call, "requested_at")
    columns = {
        "project": statements.column(Call, "project"),
        "agent": statements.column(Call, "agent"),
        "contact": statements.column(Call, "contact"),
        "pbx_account": statements.column(Project, "pbx_account"),
    }
    selects = [statements.select_list(Call, "c")]
    joins = []
    for model, alias, kind, on in _PARTS:
        selects.append(statements.select_list(model, alias))
        joins.append(statements.join(kind, model, alias, on.format(**columns)))
    return (
        f"WITH c AS (UPDATE {table} SET {status} = %s, {updated_at} = %s "  # noqa: S608 - names from the models
        f"WHERE {pk} = %s AND {status} = %s AND {requested_at} >= %s RETURNING *) "
        f"SELECT {', '.join(selects)} FROM c {' '.join(joins)}"
    )


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
