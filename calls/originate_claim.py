"""The originate task's claim: a queued call becomes "originating", read back with what
the adapter needs (project, PBX account, agent, contact).

On PostgreSQL this is one statement (UPDATE ... RETURNING inside a CTE, joined to the
rest), committed on its own: it replaced BEGIN, SELECT ... FOR UPDATE with four joins,
UPDATE and COMMIT, four round trips on the click-to-PBX path. Only a queued call passes
the UPDATE, so two deliveries of one task cannot both claim it.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.utils import timezone

from calls import rawsql
from calls.models import Agent, Call, CallStatus, PbxAccount, Project
from contacts.models import Contact

# (model, alias, join condition); the order is the SELECT's and from_row's.
_JOINS = (
    (Project, "p", "JOIN", "p.{id} = c.{project_id}"),
    (PbxAccount, "a", "JOIN", "a.{id} = p.{pbx_account_id}"),
    (Agent, "ag", "LEFT JOIN", "ag.{id} = c.{agent_id}"),
    (Contact, "ct", "LEFT JOIN", "ct.{id} = c.{contact_id}"),
)


def claim(call_id: int) -> Call | None:
    """The call, now originating; None when it was not queued (or does not exist)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        claimed = Call.objects.filter(pk=call_id, status=CallStatus.QUEUED).update(
            status=CallStatus.ORIGINATING, updated_at=now
        )
        if not claimed:
            return None
        return Call.objects.select_related("project__pbx_account", "agent", "contact").get(
            pk=call_id
        )
    # Prepared: planning the four joins each time cost about what running them does.
    row = rawsql.fetch_one(_sql(), [CallStatus.ORIGINATING, now, call_id, CallStatus.QUEUED])
    return None if row is None else _build(row)


def _build(row) -> Call:
    call = rawsql.from_row(Call, row, 0)
    start = len(Call._meta.concrete_fields)
    related = {}
    for model, alias, _join, _on in _JOINS:
        related[alias] = rawsql.from_row(model, row, start)
        start += len(model._meta.concrete_fields)
    related["p"].pbx_account = related["a"]
    call.project, call.agent, call.contact = related["p"], related["ag"], related["ct"]
    return call


@cache
def _sql() -> str:
    quote = connection.ops.quote_name
    names = {n: quote(n) for n in ("id", "project_id", "pbx_account_id", "agent_id", "contact_id")}
    status, updated_at = rawsql.column(Call, "status"), rawsql.column(Call, "updated_at")
    selects = [rawsql.select_list(Call, "c")]
    joins = []
    for model, alias, join, on in _JOINS:
        selects.append(rawsql.select_list(model, alias))
        table = quote(model._meta.db_table)
        joins.append(f"{join} {table} {quote(alias)} ON {on.format(**names)}")
    return (
        f"WITH {quote('c')} AS (UPDATE {quote(Call._meta.db_table)} "  # noqa: S608 - names from the models
        f"SET {status} = %s, {updated_at} = %s WHERE {names['id']} = %s AND {status} = %s "
        f"RETURNING *) SELECT {', '.join(selects)} FROM {quote('c')} {' '.join(joins)}"
    )
