"""The originate task's claim: a queued call becomes "originating", read back with what
the adapter needs (project, PBX account, agent, contact).

On PostgreSQL this is one statement (UPDATE ... RETURNING inside a CTE, joined to the
rest), committed on its own: it replaced BEGIN, SELECT ... FOR UPDATE with four joins,
UPDATE and COMMIT, four round trips on the click-to-PBX path. Only a queued call passes
the UPDATE, so two deliveries of one task cannot both claim it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.db import connection
from django.utils import timezone

from calls import rawsql
from calls.models import Agent, Call, CallStatus, PbxAccount, Project
from contacts.models import Contact

# (model, its alias, join, the alias and model that point to it, the field that does);
# the order is the SELECT's and _build's.
_JOINS = (
    (Project, "p", "JOIN", "c", Call, "project"),
    (PbxAccount, "a", "JOIN", "p", Project, "pbx_account"),
    (Agent, "ag", "LEFT JOIN", "c", Call, "agent"),
    (Contact, "ct", "LEFT JOIN", "c", Call, "contact"),
)


def claim(call_id: int, requested_since: datetime) -> Call | None:
    """The call, now originating; None when it was not queued, was requested before
    ``requested_since`` (too old to ring), or does not exist."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        claimed = Call.objects.filter(
            pk=call_id, status=CallStatus.QUEUED, requested_at__gte=requested_since
        ).update(status=CallStatus.ORIGINATING, updated_at=now)
        if not claimed:
            return None
        return Call.objects.select_related("project__pbx_account", "agent", "contact").get(
            pk=call_id
        )
    # Prepared: planning the four joins each time cost about what running them does.
    row = rawsql.fetch_one(
        _sql(), [CallStatus.ORIGINATING, now, call_id, CallStatus.QUEUED, requested_since]
    )
    return None if row is None else _build(row)


def _build(row) -> Call:
    call, project, account, agent, contact = rawsql.from_rows(
        [Call, *(model for model, *_ in _JOINS)], row
    )
    project.pbx_account = account
    call.project, call.agent, call.contact = project, agent, contact
    return call


@cache
def _sql() -> str:
    quote = connection.ops.quote_name
    status, updated_at = rawsql.column(Call, "status"), rawsql.column(Call, "updated_at")
    requested_at = rawsql.column(Call, "requested_at")
    call_pk = quote(Call._meta.pk.column)
    selects = [rawsql.select_list(Call, "c")]
    joins = []
    for model, alias, join, parent_alias, parent, field in _JOINS:
        selects.append(rawsql.select_list(model, alias))
        joins.append(rawsql.join(join, model, alias, parent_alias, parent._meta.get_field(field)))
    return (
        f"WITH c AS (UPDATE {quote(Call._meta.db_table)} "  # noqa: S608 - names from the models
        f"SET {status} = %s, {updated_at} = %s "
        f"WHERE {call_pk} = %s AND {status} = %s AND {requested_at} >= %s "
        f"RETURNING *) SELECT {', '.join(selects)} FROM c {' '.join(joins)}"
    )
